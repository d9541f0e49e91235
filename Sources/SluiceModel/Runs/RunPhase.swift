/// Where a run is in its life: the one vocabulary the engine, the store, the server and the CLI share. Raw values
/// are what the store holds and what the CLI and API print.
public enum RunPhase: String, Sendable, Hashable, Codable, CaseIterable {
    case queued, running, waiting, succeeded, failed, aborted
    case timedOut = "timed-out"
    case reverted
    case revertFailed = "revert-failed"

    /// The phases a controller still has work to do in.
    public static let unfinished: [RunPhase] = [.queued, .running, .waiting]

    /// Whether the run has ended for good.
    public var isFinal: Bool { !Self.unfinished.contains(self) }
}
