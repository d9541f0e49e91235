import Foundation

/// How a run id given on the command line or in an API path names a run: an exact id wins, else a prefix
/// that only one run's id starts with.
public enum RunIDPrefix {
    /// How many matches an ambiguous prefix's error names.
    public static let shownMatches = 10
}

extension Store {
    /// The id of the run `given` names: the run with exactly that id, else the only run whose id starts with
    /// `given`. `noRun` when none does, `ambiguousRunID` (naming the matches) when several do.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func resolveRunID(_ given: String) throws(StoreError) -> String {
        if try backend(ofRun: given) != nil { return given }
        guard !given.isEmpty else { throw .noRun(runID: given, path: path) }
        let matches = try runIDs(matchingPrefix: given, limit: RunIDPrefix.shownMatches)
        switch matches.count {
        case 0: throw .noRun(runID: given, path: path)
        case 1: return matches[0]
        default: throw .ambiguousRunID(prefix: given, matches: matches, path: path)
        }
    }
}
