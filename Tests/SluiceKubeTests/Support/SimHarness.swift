import Foundation
import KubeSim
import SluiceKube

/// Runs `body` against a fresh in-process KubeSim on 127.0.0.1 and a client for it; stops the sim after.
func withSim<R>(_ configure: (inout KubeSimOptions) -> Void = { _ in },
                retry: KubeClient.RetryPolicy = .fast,
                rateLimiter: RateLimiter = RateLimiter(qps: 0, burst: 1),
                clock: KubeClock = .system,
                _ body: (KubeSimServer, KubeClient) async throws -> R) async throws -> R {
    var options = KubeSimOptions()
    options.bookmarkInterval = .milliseconds(100)
    configure(&options)
    let sim = try await KubeSim.start(options)
    let client = KubeClient(server: sim.baseURL, rateLimiter: rateLimiter, retryPolicy: retry, clock: clock)
    do {
        let result = try await body(sim, client)
        await sim.stop()
        return result
    } catch {
        await sim.stop()
        throw error
    }
}

extension KubeClient.RetryPolicy {
    /// client-go's rules with short waits, so tests do not sleep for seconds.
    static var fast: Self {
        var p = Self()
        p.networkRetryDelay = .milliseconds(5)
        return p
    }

    static func maxRetries(_ n: Int) -> Self {
        var p = fast
        p.maxRetries = n
        return p
    }
}

/// A minimal pod document.
func podDocument(_ name: String, namespace: String = "default", labels: [String: String] = [:]) -> JSONObject {
    var labelObject = JSONObject()
    for (k, v) in labels.sorted(by: { $0.key < $1.key }) { labelObject[k] = .string(v) }
    var metadata: JSONObject = ["name": .string(name), "namespace": .string(namespace)]
    if !labels.isEmpty { metadata["labels"] = .object(labelObject) }
    return [
        "apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata),
        "spec": ["containers": [["name": "main", "image": "busybox", "command": ["true"]]], "restartPolicy": "Never"],
    ]
}

/// Waits until `condition` holds; false when it never did within `limit`, a guard against hanging
/// rather than a latency bound (a loaded machine may take its time).
func eventually(_ limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Notes from a reflector, kept for assertions.
final class NoteLog: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [ReflectorNote] = []

    func add(_ note: ReflectorNote) {
        lock.lock()
        notes.append(note)
        lock.unlock()
    }

    var all: [ReflectorNote] {
        lock.lock()
        defer { lock.unlock() }
        return notes
    }

    var lists: Int { all.filter { if case .listed = $0 { return true } else { return false } }.count }
    var expiries: [String] { all.compactMap { if case .expired(let why) = $0 { return why } else { return nil } } }
    var backoffs: [String] { all.compactMap { if case .backoff(_, let why) = $0 { return why } else { return nil } } }
    var backoffWaits: [Duration] { all.compactMap { if case .backoff(let wait, _) = $0 { return wait } else { return nil } } }
    var closes: Int { all.filter { if case .watchClosed = $0 { return true } else { return false } }.count }
    var watchStarts: [String] { all.compactMap { if case .watchStarted(let rv) = $0 { return rv } else { return nil } } }
}
