import SluiceKube

/// One `GET .../pods/NAME/log` request, with its options.
public struct PodLogRequest: Sendable {
    public var namespace: String
    public var pod: String
    public var container: String
    public var follow: Bool
    public var tailLines: Int64?
    public var sinceSeconds: Int64?
    public var timestamps: Bool
    public var previous: Bool
    public var limitBytes: Int64?
}

/// Supplies container logs for the log route (the simulated kubelet provides one).
public protocol PodLogSource: Sendable {
    /// The log bytes in chunks; with `follow` the stream stays open while the container runs.
    /// Throw a `SimStatusError` (e.g. 400 `container "c" in pod "p" is waiting to start: ContainerCreating`).
    func logs(_ request: PodLogRequest, pod: StoredObject) async throws -> AsyncStream<[UInt8]>
    /// The server is stopping: end every followed log stream so no response is left open.
    func closeFollowers()
}

extension PodLogSource {
    public func closeFollowers() {}
}
