import SluiceKube
import Testing
@testable import KubeSim

/// The store on its own: resourceVersions, history, selectors, write log.
struct StoreTests {
    @Test func everyWriteBumpsTheResourceVersionAndNoOpsDoNot() throws {
        let store = ObjectStore()
        let start = store.resourceVersion
        let created = try store.create(.pods, namespace: "default", SimHTTP.pod("p").objectValue!)
        #expect(created.resourceVersion == start + 1)
        let same = try store.modify(.pods, namespace: "default", name: "p") { _ in }
        #expect(same.resourceVersion == created.resourceVersion)
        let changed = try store.modify(.pods, namespace: "default", name: "p") { $0.setMetadata("labels", ["a": "b"]) }
        #expect(changed.resourceVersion == start + 2)
        #expect(store.writes().last?.verb == "update")
    }

    @Test func historyTooOldThrowsExpired() throws {
        let store = ObjectStore(watchHistory: 3)
        for i in 0..<6 { try store.create(.configMaps, namespace: "default", ["metadata": ["name": .string("c\(i)")]]) }
        let current = store.resourceVersion
        #expect(throws: SimStatusError.self) { try store.watch(.configMaps, namespace: nil, from: .after(current - 4)) }
        let ok = try store.watch(.configMaps, namespace: nil, from: .after(current - 3))
        #expect(ok.pendingNow()?.map(\.object.name) == ["c3", "c4", "c5"])
        ok.cancel()
        #expect(store.watchCount == 0)
    }

    @Test func inProcessWatchDeliversInOrder() async throws {
        let store = ObjectStore()
        let watch = try store.watch(.pods, namespace: "default", from: .now)
        for i in 0..<100 { try store.create(.pods, namespace: "default", SimHTTP.pod("p\(i)").objectValue!) }
        var names: [String] = []
        for await event in watch {
            names.append(event.object.name)
            if names.count == 100 { break }
        }
        #expect(names == (0..<100).map { "p\($0)" })
        watch.cancel()
    }

    @Test func selectorParsing() throws {
        let s = try LabelSelector(parsing: "a=b, c!=d,e in (f, g),h notin (i),j,!k")
        #expect(s.requirements == [.equals("a", "b"), .notEquals("c", "d"), .isIn("e", ["f", "g"]), .notIn("h", ["i"]), .exists("j"), .notExists("k")])
        #expect(s.matches(["a": "b", "e": "g", "j": ""]))
        #expect(!s.matches(["a": "b", "e": "g", "j": "", "k": "x"]))
        #expect(throws: SimStatusError.self) { try LabelSelector(parsing: "a b") }
    }

    @Test func cachedBytesAreTheSerializedObject() throws {
        let store = ObjectStore()
        let created = try store.create(.pods, namespace: "default", SimHTTP.pod("p").objectValue!)
        #expect(try JSONValue.parse(created.bytes) == .object(created.object))
        #expect(created.object["metadata"]?["resourceVersion"]?.stringValue == String(created.resourceVersion))
    }
}
