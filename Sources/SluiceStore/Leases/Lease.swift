import Foundation

/// Who drives a run, until when. An owner that stops renewing loses the run to the next
/// claimant once `expires` passes.
public struct Lease: Sendable, Equatable {
    public var runID: String
    public var owner: String
    public var expires: Date
}
