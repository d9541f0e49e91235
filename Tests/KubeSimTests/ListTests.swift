import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// Paging and selectors on list.
struct ListTests {
    @Test func limitAndContinueWalkEveryPodOnce() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        for i in 0..<7 { try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p\(i)")) }
        var names: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let query = token.map { "&continue=\($0.addingPercentEncodingForQuery)" } ?? ""
            let page = try await http.get("/api/v1/pods?limit=3\(query)")
            names += page.names
            token = page.body["metadata"]?["continue"]?.stringValue
            pages += 1
            if token != nil { #expect(page.body["metadata"]?["remainingItemCount"] != nil) }
        } while token != nil
        #expect(names == (0..<7).map { "p\($0)" } && pages == 3)
        let bad = try await http.get("/api/v1/pods?limit=3&continue=garbage")
        #expect(bad.status == 400 && bad.reason == "BadRequest")
    }

    @Test func labelSelectorOperators() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let pods = "/api/v1/namespaces/default/pods"
        try await http.post(pods, SimHTTP.pod("a", labels: ["app": "web", "tier": "front"]))
        try await http.post(pods, SimHTTP.pod("b", labels: ["app": "web", "tier": "back"]))
        try await http.post(pods, SimHTTP.pod("c", labels: ["app": "db"]))
        func names(_ selector: String) async throws -> [String] {
            try await http.get("\(pods)?labelSelector=\(selector.addingPercentEncodingForQuery)").names
        }
        #expect(try await names("app=web") == ["a", "b"])
        #expect(try await names("app==web,tier!=front") == ["b"])
        #expect(try await names("tier in (front,back)") == ["a", "b"])
        #expect(try await names("app notin (web)") == ["c"])
        #expect(try await names("tier") == ["a", "b"])
        #expect(try await names("!tier") == ["c"])
        #expect(try await http.get("\(pods)?labelSelector=\("a in b".addingPercentEncodingForQuery)").status == 400)
    }

    @Test func fieldSelectorsForPods() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("a"))
        try await http.post("/api/v1/namespaces/kube-system/pods", SimHTTP.pod("b"))
        try http.sim.store.modify(.pods, namespace: "kube-system", name: "b") { o in
            o["spec"]?["nodeName"] = "node-1"
        }
        #expect(try await http.get("/api/v1/pods?fieldSelector=metadata.name%3Da").names == ["a"])
        #expect(try await http.get("/api/v1/pods?fieldSelector=metadata.namespace%3Dkube-system").names == ["b"])
        #expect(try await http.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1").names == ["b"])
        #expect(try await http.get("/api/v1/pods?fieldSelector=status.phase%3DPending").names == ["a", "b"])
        let unsupported = try await http.get("/api/v1/pods?fieldSelector=spec.image%3Dx")
        #expect(unsupported.status == 400 && unsupported.message == "field label not supported: spec.image")
    }
}

extension String {
    var addingPercentEncodingForQuery: String {
        var out = ""
        for byte in utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isLetter || c.isNumber || "-._~".contains(c) { out.append(c) } else { out += String(format: "%%%02X", byte) }
        }
        return out
    }
}
