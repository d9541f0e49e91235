import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// client-go's retry rules against KubeSim's injected faults. A fault with `count=N` hits the next N
/// matching requests; a probe client that never retries shows how many are left, so the tests count
/// attempts without timing anything.
@Suite struct ClientRetryTests {
    static func probe(_ sim: KubeSimServer) -> KubeClient {
        KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: 0, burst: 1), retryPolicy: .maxRetries(0))
    }

    @Test func tooManyRequestsWithRetryAfterIsRetriedAndEachTryTakesAToken() async throws {
        let limiter = RateLimiter(qps: 1000, burst: 1000)
        try await withSim(rateLimiter: limiter) { sim, client in
            _ = try await client.create(.pods, namespace: "default", podDocument("r"))
            let before = limiter.granted
            try sim.faults.add("GET /api/v1/namespaces/default/pods/r:429:retry-after=0:count=3")
            _ = try await client.get(.pods, namespace: "default", name: "r")
            #expect(limiter.granted - before == 4)
        }
    }

    @Test func givesUpAfterTenRetries() async throws {
        try await withSim { sim, client in
            _ = try await client.create(.pods, namespace: "default", podDocument("r"))
            try sim.faults.add("GET /api/v1/namespaces/default/pods/r:503:retry-after=0:count=12")
            do {
                _ = try await client.get(.pods, namespace: "default", name: "r")
                Issue.record("succeeded through 12 faults")
            } catch let error as KubeError {
                #expect(error.statusError?.code == 503)
            }
            // 11 tries were made: one fault is left for the probe, then none.
            await #expect(throws: KubeError.self) { try await Self.probe(sim).get(.pods, namespace: "default", name: "r") }
            _ = try await Self.probe(sim).get(.pods, namespace: "default", name: "r")
        }
    }

    @Test func serverErrorWithoutRetryAfterIsNotRetried() async throws {
        try await withSim { sim, client in
            _ = try await client.create(.pods, namespace: "default", podDocument("r"))
            try sim.faults.add("GET /api/v1/namespaces/default/pods/r:500:count=2")
            await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "default", name: "r") }
            await #expect(throws: KubeError.self) { try await Self.probe(sim).get(.pods, namespace: "default", name: "r") }
            _ = try await Self.probe(sim).get(.pods, namespace: "default", name: "r")
        }
    }

    @Test func writesAreRetriedOnlyWhenTheServerSaysRetryAfter() async throws {
        try await withSim { sim, client in
            try sim.faults.add("POST /api/v1/namespaces/default/pods:503:retry-after=0:count=2")
            _ = try await client.create(.pods, namespace: "default", podDocument("w"))
            let writes = sim.store.writes().filter { $0.name == "w" && $0.verb == "create" }
            #expect(writes.count == 1)
        }
    }

    @Test func retryAfterIsHonouredOnTheClientsClock() async throws {
        let clock = ManualClock()
        try await withSim(clock: clock.kube) { sim, client in
            _ = try await client.create(.pods, namespace: "default", podDocument("r"))
            try sim.faults.add("GET /api/v1/namespaces/default/pods/r:429:retry-after=1:count=1")
            let get = Task { try await client.get(.pods, namespace: "default", name: "r") }
            // The 429 came back: the client waits on its clock for as long as the server said.
            #expect(await eventually { clock.sleepers == 1 })
            #expect(clock.slept == [.seconds(1)])
            clock.advance(by: .milliseconds(999))
            #expect(clock.sleepers == 1)
            clock.advance(by: .milliseconds(1))
            _ = try await get.value
            #expect(clock.sleepers == 0)
        }
    }

    @Test func connectionDropsAreRetriedForGetButNotForPost() async throws {
        let server = try DroppingServer()
        defer { server.stop() }
        let clock = ManualClock(autoAdvance: true)
        var retry = KubeClient.RetryPolicy()
        retry.maxRetries = 3
        let client = KubeClient(server: "http://127.0.0.1:\(server.port)", rateLimiter: RateLimiter(qps: 0, burst: 1),
                                retryPolicy: retry, clock: clock.kube)
        await #expect(throws: KubeError.self) { try await client.get(.pods, namespace: "default", name: "x") }
        #expect(server.accepted == 4)
        // Each retry waited client-go's artificial Retry-After first.
        #expect(clock.slept == Array(repeating: retry.networkRetryDelay, count: 3))
        await #expect(throws: KubeError.self) { try await client.create(.pods, namespace: "default", podDocument("x")) }
        #expect(server.accepted == 5)
        #expect(clock.slept.count == 3)
    }

    @Test func unauthorizedRereadsTheTokenOnce() async throws {
        try await withSim({ $0.tokens = ["good": "alice"] }) { sim, _ in
            let reads = Counter()
            let client = KubeClient(server: sim.baseURL, tokenSource: .init(token: {
                reads.add() == 1 ? "stale" : "good"
            }, invalidate: {}), rateLimiter: RateLimiter(qps: 0, burst: 1), retryPolicy: .fast)
            _ = try await client.list(.pods, namespace: "default")
            #expect(reads.value == 2)
            let wrong = KubeClient(server: sim.baseURL, tokenSource: .fixed("wrong"), retryPolicy: .fast)
            do {
                _ = try await wrong.list(.pods, namespace: "default")
                Issue.record("a wrong token was accepted")
            } catch let error as KubeError {
                #expect(error.isUnauthorized)
            }
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    /// Adds one; returns the new count.
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
