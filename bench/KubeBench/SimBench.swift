import Foundation
import KubeSim
import SluiceKube

/// Benchmarks through a real KubeSim on loopback (in this process: its server threads, the libcurl thread
/// and the informer share the machine's two cores).
@_silgen_name("malloc_trim") func malloc_trim(_ pad: Int) -> Int32

enum SimBench {
    static func startSim() async throws -> (KubeSimServer, KubeClient) {
        var options = KubeSimOptions()
        options.watchHistory = 200_000
        options.bookmarkInterval = .seconds(60)
        let sim = try await KubeSim.start(options)
        _ = try sim.store.create(.namespaces, namespace: nil, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])
        return (sim, KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: 0, burst: 1)))
    }

    /// 100,000 MODIFIED events of ~4 KiB pods from KubeSim's watch into an informer cache.
    static func watch(events: Int, pods: Int) async throws -> Double {
        let (sim, client) = try await startSim()
        for i in 0..<pods { _ = try sim.store.create(.pods, namespace: "bench", PodFixture.pod(index: i, generation: 0)) }
        let informer = Informer()
        let target = Counter()
        let done = Counter()
        informer.addHandler(InformerHandler(updated: { _, _ in if target.add() == events { done.add() } }))
        let reflector = Reflector(client: client, type: .pods, namespace: "bench")
        let task = Task { await informer.run(reflector) }
        await informer.waitForSync()
        let start = ContinuousClock.now
        let writer = Thread {
            for i in 0..<events {
                _ = try? sim.store.modify(.pods, namespace: "bench", name: PodFixture.name(index: i % pods), subresource: .status) { pod in
                    pod["status"]?["podIP"] = .string("10.244.\(i % 250).\((i / 250) % 250)")
                }
            }
        }
        writer.start()
        while done.value == 0 { try await Task.sleep(for: .milliseconds(2)) }
        let elapsed = (ContinuousClock.now - start).seconds
        task.cancel()
        await sim.stop()
        return elapsed
    }

    /// `count` pod creates through the client at `qps`/`burst`: achieved rate and latency percentiles.
    static func create(count: Int, qps: Double, burst: Int) async throws -> (seconds: Double, p50: Double, p99: Double) {
        let (sim, _) = try await startSim()
        let client = KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: qps, burst: burst))
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
            for i in 0..<count {
                group.addTask {
                    let begun = ContinuousClock.now
                    var pod = PodFixture.pod(index: i, generation: 0)
                    pod["status"] = nil
                    pod["metadata"]?["resourceVersion"] = nil
                    pod["metadata"]?["uid"] = nil
                    pod["metadata"]?["managedFields"] = nil
                    pod["metadata"]?["ownerReferences"] = nil
                    _ = try await client.create(.pods, namespace: "bench", pod)
                    return (ContinuousClock.now - begun).seconds
                }
            }
            var all: [Double] = []
            for try await l in group { all.append(l) }
            return all.sorted()
        }
        let seconds = (ContinuousClock.now - start).seconds
        await sim.stop()
        return (seconds, latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
    }

    /// Resident memory of an informer holding `pods` pods (after a full list + watch sync).
    static func memory(pods: Int) async throws -> (before: Int, after: Int) {
        let (sim, client) = try await startSim()
        for i in 0..<pods { _ = try sim.store.create(.pods, namespace: "bench", PodFixture.pod(index: i, generation: 0)) }
        _ = malloc_trim(0)
        let before = residentBytes()
        let informer = Informer()
        let task = Task { await informer.run(Reflector(client: client, type: .pods, namespace: "bench")) }
        await informer.waitForSync()
        precondition(informer.count == pods)
        _ = malloc_trim(0)  // give back what the list response and its parse freed
        let after = residentBytes()
        task.cancel()
        await sim.stop()
        return (before, after)
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    @discardableResult func add() -> Int {
        lock.lock()
        defer { lock.unlock() }
        n += 1
        return n
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return n
    }
}
