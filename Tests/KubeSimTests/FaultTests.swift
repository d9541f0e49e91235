import SluiceKube
import Testing
@testable import KubeSim

/// Injected faults: statuses with Retry-After, counts, delays, broken and short watches.
struct FaultTests {
    @Test func specSyntax() throws {
        let rule = try FaultRule(parsing: "GET /api/v1/namespaces/*/pods:429:retry-after=1:count=3")
        #expect(rule == FaultRule(method: "GET", path: "/api/v1/namespaces/*/pods", status: 429, retryAfterSeconds: 1, count: 3))
        #expect(rule.matches(method: "GET", path: "/api/v1/namespaces/default/pods"))
        #expect(!rule.matches(method: "POST", path: "/api/v1/namespaces/default/pods"))
        #expect(!rule.matches(method: "GET", path: "/api/v1/namespaces/default/pods/x"))
        #expect(try FaultRule(parsing: "/api/**:delay=0.5").matches(method: "PUT", path: "/api/v1/namespaces/a/pods/b"))
        #expect(try FaultRule(parsing: "/api/v1/pods:drop-after=2").dropAfterEvents == 2)
        #expect(throws: FaultSpecError.self) { try FaultRule(parsing: "/api/v1/pods") }
        #expect(throws: FaultSpecError.self) { try FaultRule(parsing: "/api/v1/pods:teapot") }
        #expect(throws: FaultSpecError.self) { try FaultRule(parsing: "/api/v1/pods:200") }
    }

    @Test func tooManyRequestsWithRetryAfterForCountRequests() async throws {
        let http = try await SimHTTP.start { $0.faults = [try! FaultRule(parsing: "GET /api/v1/namespaces/*/pods:429:retry-after=2:count=2")] }
        defer { Task { await http.stop() } }
        let first = try await http.get("/api/v1/namespaces/default/pods")
        #expect(first.status == 429 && first.header("Retry-After") == "2" && first.reason == "TooManyRequests")
        #expect(first.body["details"]?["retryAfterSeconds"] == 2)
        #expect(try await http.get("/api/v1/namespaces/default/pods").status == 429)
        #expect(try await http.get("/api/v1/namespaces/default/pods").status == 200)
    }

    @Test func serverErrorsFromTheAdminEndpoint() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let set = try await http.post("/kubesim/faults", ["POST /api/v1/namespaces/default/pods:503:retry-after=1:count=1",
                                                          ["method": "DELETE", "path": "/api/**", "status": 500, "count": 1]])
        #expect(set.body["faults"]?.arrayValue?.count == 2)
        let unavailable = try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p"))
        #expect(unavailable.status == 503 && unavailable.reason == "ServiceUnavailable" && unavailable.header("Retry-After") == "1")
        #expect(try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p")).status == 201)
        let failed = try await http.delete("/api/v1/namespaces/default/pods/p")
        #expect(failed.status == 500 && failed.reason == "InternalError")
        #expect(try await http.delete("/api/v1/namespaces/default/pods/p").status == 200)
        #expect(try await http.call("DELETE", "/kubesim/faults").status == 200)
    }

    @Test func slowResponses() async throws {
        let http = try await SimHTTP.start { $0.faults = [FaultRule(path: "/version", delaySeconds: 0.3, count: 1)] }
        defer { Task { await http.stop() } }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await http.get("/version").status == 200)
        #expect(clock.now - start >= .milliseconds(300))
    }

    @Test func watchClosedEarlyEndsCleanly() async throws {
        let http = try await SimHTTP.start { $0.faults = [try! FaultRule(parsing: "GET /api/v1/pods:close-after=2")] }
        defer { Task { await http.stop() } }
        for i in 0..<3 { try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p\(i)")) }
        let watch = try await http.watch("/api/v1/pods?watch=1")
        #expect(try await watch.take(5) == ["ADDED p0", "ADDED p1"])
    }

    @Test func watchDroppedMidStreamBreaksTheConnection() async throws {
        let http = try await SimHTTP.start { $0.faults = [try! FaultRule(parsing: "GET /api/v1/pods:drop-after=1")] }
        defer { Task { await http.stop() } }
        for i in 0..<3 { try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p\(i)")) }
        let watch = try await http.watch("/api/v1/pods?watch=1")
        #expect(try await watch.next() != nil)
        await #expect(throws: (any Error).self) { _ = try await watch.next() }
    }

    @Test func writeLogAndObjectsEndpoints() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p"))
        try await http.delete("/api/v1/namespaces/default/pods/p")
        let writes = try await http.get("/kubesim/writes").body["items"]?.arrayValue ?? []
        let pods = writes.filter { $0["resource"] == "pods" }
        #expect(pods.map { $0["verb"] } == ["create", "delete"])
        #expect(pods.first?["namespace"] == "default" && pods.first?["name"] == "p" && pods.first?["user"] == "system:admin")
        let objects = try await http.get("/kubesim/objects").body["items"]?.arrayValue ?? []
        let names = objects.compactMap { $0["metadata"]?["name"]?.stringValue }
        #expect(names.contains("kube-system"))
    }
}
