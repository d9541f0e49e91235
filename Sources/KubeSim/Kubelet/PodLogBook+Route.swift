import Foundation
import SluiceKube

/// The kubelet's logs behind the API server's `pods/log` route.
extension PodLogBook: PodLogSource {
    public func logs(_ request: PodLogRequest, pod: StoredObject) async throws -> AsyncStream<[UInt8]> {
        let known = pods.withLock { $0[Self.key(request.namespace, request.pod)]?.uid }
        guard known != nil, known == pod.uid else {
            // Stored, but the kubelet has not picked it up yet: as a kubelet answers for a pod being created.
            throw Self.badRequest("container \"\(request.container)\" in pod \"\(request.pod)\" is waiting to start: ContainerCreating")
        }
        let stream = try logs(namespace: request.namespace, pod: request.pod, container: request.container,
                              previous: request.previous, tailLines: request.tailLines.map { Int($0) },
                              follow: request.follow,
                              since: request.sinceSeconds.map { Date().addingTimeInterval(-Double($0)) },
                              timestamps: request.timestamps)
        guard let limit = request.limitBytes, limit > 0 else { return stream }
        return Self.limited(stream, to: Int(limit))
    }

    /// Ends every log, so `logs -f` responses finish and the server can stop.
    public func closeFollowers() {
        let logs = pods.withLock { pods in pods.values.flatMap { $0.containers.values.map(\.current) } }
        for log in logs { log.end() }
    }

    /// The first `limit` bytes of `stream` (`limitBytes`).
    static func limited(_ stream: PodLogStream, to limit: Int) -> PodLogStream {
        AsyncStream { continuation in
            let task = Task {
                var remaining = limit
                for await chunk in stream {
                    continuation.yield(Array(chunk.prefix(remaining)))
                    remaining -= min(remaining, chunk.count)
                    if remaining == 0 { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
