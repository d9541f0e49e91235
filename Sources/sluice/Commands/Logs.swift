import ArgumentParser
import Foundation
import SluiceRuntime
import SluiceStore

/// `sluice logs RUN NODE`: an attempt's stdout and stderr.
struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a node's logs (latest attempt by default); -f follows them.",
        discussion: """
            Examples:
              sluice logs hello-lx2k9a1b greet
              sluice logs hello-lx2k9a1b 'fit[1]' --attempt 2 --stderr
              sluice logs hello-lx2k9a1b train -f
              sluice logs hello-lx2k9a1b train -f --server http://127.0.0.1:8470
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Argument(help: "The node id (map items as name[index]).") var node: String
    @Option(help: "Attempt number (default: the latest).") var attempt: Int?
    @Flag(help: "Only stderr.") var stderr = false
    @Flag(help: "Only stdout.") var stdout = false
    @Flag(name: [.short, .long], help: "Keep printing as the attempt writes, until it ends.") var follow = false
    @Flag(help: "Print control sequences as the task wrote them, also on a terminal (where by default only colours pass).") var raw = false
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        LogOutput.sanitize = !raw && isatty(1) == 1
        if let client = try remote.client(store: storeOption) {
            let streams = stderr ? ["stderr"] : (stdout ? ["stdout"] : ["stdout", "stderr"])
            try RemoteLogs.show(client, runID: runID, node: node, attempt: attempt, streams: streams, follow: follow)
            return
        }
        let store = try storeOption.openStore()
        let runID = try storeOption.resolveRun(runID, in: store)
        guard try store.run(runID) != nil else { throw CLIError.input("no run '\(runID)' in \(storeOption.directory)") }
        let attempts = try store.attempts(runID: runID, nodeID: node).filter { $0.purpose == .run }
        let picked: AttemptRecord? = attempt.map { n in attempts.first { $0.attempt == n } } ?? attempts.last
        guard let chosen = picked else {
            throw CLIError.input(attempts.isEmpty ? "node '\(node)' of run \(runID) has no attempts" : "node '\(node)' has no attempt \(attempt!) (it has \(attempts.count))")
        }
        guard let dir = chosen.logDirectory else { throw CLIError.input("attempt has no log folder") }
        let files = stderr ? ["stderr.log"] : (stdout ? ["stdout.log"] : ["stdout.log", "stderr.log"])
        var offsets = [String: UInt64]()
        repeat {
            for f in files { offsets[f] = print(dir + "/" + f, from: offsets[f] ?? 0) }
            if !follow { break }
            let state = try store.attempts(runID: runID, nodeID: node).first { $0.attempt == chosen.attempt && $0.purpose == .run }?.state
            if let s = state, !["queued", "running"].contains(s) {
                for f in files { offsets[f] = print(dir + "/" + f, from: offsets[f] ?? 0) }
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        } while true
    }

    /// Copies the file from `offset` to stdout in chunks; returns the new offset.
    private func print(_ path: String, from offset: UInt64) -> UInt64 {
        guard let h = FileHandle(forReadingAtPath: path) else { return offset }
        defer { try? h.close() }
        try? h.seek(toOffset: offset)
        var position = offset
        while let chunk = try? h.read(upToCount: 65536), !chunk.isEmpty {
            LogOutput.write(chunk)
            position += UInt64(chunk.count)
        }
        return position
    }
}
