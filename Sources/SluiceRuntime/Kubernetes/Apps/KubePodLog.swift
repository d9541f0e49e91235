import SluiceKube

/// The log of one app pod's container, read through the API (`pods/log`).
struct KubePodLog: AppRemoteLog {
    let client: KubeClient
    let namespace: String
    let pod: String?
    let app: String
    let replica: Int

    private func name() throws(AppRuntimeError) -> String {
        guard let pod else { throw .invalid("app '\(app)' has no replica \(replica) now") }
        return pod
    }

    func read() async throws(AppRuntimeError) -> [UInt8] {
        let pod = try name()
        do { return try await client.logs(namespace: namespace, pod: pod, container: KubeAppPlan.container) } catch {
            throw .cannotStart("cannot read the log of pod \(namespace)/\(pod): \(error)")
        }
    }

    func follow() async throws(AppRuntimeError) -> AsyncThrowingStream<[UInt8], any Error> {
        let pod = try name()
        let response: HTTPStreamResponse
        do { response = try await client.followLogs(namespace: namespace, pod: pod, container: KubeAppPlan.container) } catch {
            throw .cannotStart("cannot follow the log of pod \(namespace)/\(pod): \(error)")
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await chunk in response.body { continuation.yield(chunk) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in
                task.cancel()
                response.cancel()
            }
        }
    }
}
