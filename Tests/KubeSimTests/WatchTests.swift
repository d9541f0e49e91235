import SluiceKube
import Testing
@testable import KubeSim

/// Watch modes over HTTP: start points, bookmarks, timeouts, history expiry, selectors.
struct WatchTests {
    let pods = "/api/v1/namespaces/default/pods"

    @Test func unsetResourceVersionSendsCurrentStateThenChanges() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post(pods, SimHTTP.pod("a"))
        let watch = try await http.watch("\(pods)?watch=1")
        #expect(try await watch.status == 200)
        #expect(try await watch.take(1) == ["ADDED a"])
        try await http.post(pods, SimHTTP.pod("b"))
        try await http.call("PATCH", "\(pods)/b", ["metadata": ["labels": ["x": "y"]]], contentType: "application/merge-patch+json")
        try await http.delete("\(pods)/a")
        #expect(try await watch.take(3) == ["ADDED b", "MODIFIED b", "DELETED a"])
        watch.cancel()
    }

    @Test func resourceVersionZeroAndLegacyWatchPath() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post(pods, SimHTTP.pod("a"))
        let zero = try await http.watch("\(pods)?watch=true&resourceVersion=0")
        #expect(try await zero.take(1) == ["ADDED a"])
        zero.cancel()
        let legacy = try await http.watch("/api/v1/watch/namespaces/default/pods?resourceVersion=0")
        #expect(try await legacy.take(1) == ["ADDED a"])
        legacy.cancel()
    }

    @Test func exactResourceVersionReplaysLaterEvents() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post(pods, SimHTTP.pod("a"))
        let rv = http.sim.store.resourceVersion
        try await http.post(pods, SimHTTP.pod("b"))
        try await http.delete("\(pods)/a")
        let watch = try await http.watch("\(pods)?watch=1&resourceVersion=\(rv)")
        #expect(try await watch.take(2) == ["ADDED b", "DELETED a"])
        watch.cancel()
    }

    @Test func bookmarksAfterTheInitialBurstAndPeriodically() async throws {
        let http = try await SimHTTP.start { $0.bookmarkInterval = .milliseconds(50) }
        defer { Task { await http.stop() } }
        try await http.post(pods, SimHTTP.pod("a"))
        let watch = try await http.watch("\(pods)?watch=1&allowWatchBookmarks=true")
        #expect(try await watch.take(3) == ["ADDED a", "BOOKMARK", "BOOKMARK"])
        let rv = try await http.post(pods, SimHTTP.pod("b")).body["metadata"]?["resourceVersion"]
        var bookmark: JSONValue?
        while let event = try await watch.next() {
            if event["type"] == "BOOKMARK", event["object"]?["metadata"]?["resourceVersion"] == rv { bookmark = event; break }
        }
        #expect(bookmark?["object"]?["kind"] == "Pod" && bookmark?["object"]?["apiVersion"] == "v1")
        watch.cancel()
    }

    @Test func timeoutSecondsEndsTheStreamCleanly() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let watch = try await http.watch("\(pods)?watch=1&timeoutSeconds=1")
        #expect(try await watch.next() == nil)
    }

    @Test func tooOldResourceVersionIsAnErrorEvent() async throws {
        let http = try await SimHTTP.start { $0.watchHistory = 5 }
        defer { Task { await http.stop() } }
        for i in 0..<10 { try await http.post(pods, SimHTTP.pod("p\(i)")) }
        let watch = try await http.watch("\(pods)?watch=1&resourceVersion=2")
        #expect(try await watch.status == 200)
        let event = try #require(try await watch.next())
        let oldest = http.sim.store.resourceVersion - 5
        #expect(event == ["type": "ERROR", "object": ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                                                      "message": .string("too old resource version: 2 (\(oldest))"),
                                                      "reason": "Expired", "code": 410]])
        #expect(try await watch.next() == nil)
    }

    @Test func tooOldResourceVersionAsPlainGone() async throws {
        let http = try await SimHTTP.start { $0.watchHistory = 3; $0.watch410 = .plain }
        defer { Task { await http.stop() } }
        for i in 0..<6 { try await http.post(pods, SimHTTP.pod("p\(i)")) }
        let reply = try await http.get("\(pods)?watch=1&resourceVersion=1")
        #expect(reply.status == 410 && reply.reason == "Expired" && reply.body["code"] == 410)
    }

    @Test func sendInitialEventsIsRefused() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let reply = try await http.get("\(pods)?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan")
        #expect(reply.status == 422 && reply.reason == "Invalid")
    }

    @Test func selectorWatchTurnsLeavingObjectsIntoDeletes() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let watch = try await http.watch("/api/v1/pods?watch=1&labelSelector=app%3Dweb")
        try await http.post(pods, SimHTTP.pod("other"))
        try await http.post(pods, SimHTTP.pod("a", labels: ["app": "web"]))
        try await http.call("PATCH", "\(pods)/a", ["metadata": ["labels": ["app": "db"]]], contentType: "application/merge-patch+json")
        try await http.call("PATCH", "\(pods)/other", ["metadata": ["labels": ["app": "web"]]], contentType: "application/merge-patch+json")
        #expect(try await watch.take(3) == ["ADDED a", "DELETED a", "ADDED other"])
        watch.cancel()
    }

    @Test func namedWatchFollowsOneObject() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post(pods, SimHTTP.pod("a"))
        try await http.post(pods, SimHTTP.pod("b"))
        let watch = try await http.watch("/api/v1/watch/namespaces/default/pods/b")
        #expect(try await watch.take(1) == ["ADDED b"])
        watch.cancel()
    }
}
