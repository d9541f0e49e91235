import Foundation
import Testing
@testable import SluiceStore

@Suite struct FlowRegistryStoreTests {
    static func register(_ store: Store, _ name: String, _ version: String?, at ms: Int64) throws -> FlowRecord? {
        try store.registerFlow(name: name, version: version, text: "name: \(name)", compiled: { Data("{\"v\": \"\($0)\"}".utf8) },
                               now: Date(millisecondsSince1970: ms))
    }

    @Test func versionsDefaultToTheNextWholeNumberAndNeverChange() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        #expect(try Self.register(store, "etl", nil, at: 1_000)?.version == "1")
        #expect(try Self.register(store, "etl", "v-beta", at: 2_000)?.version == "v-beta")
        #expect(try Self.register(store, "etl", nil, at: 3_000)?.version == "2")
        #expect(try Self.register(store, "etl", "2", at: 4_000) == nil, "a taken version is refused")
        #expect(try Self.register(store, "other", nil, at: 5_000)?.version == "1")

        #expect(try store.flowVersions(name: "etl").map(\.version) == ["2", "v-beta", "1"])
        #expect(try store.latestFlows().map { "\($0.name)@\($0.version)" } == ["etl@2", "other@1"])
        let v = try #require(try store.flow(name: "etl", version: "v-beta"))
        #expect(String(decoding: v.compiled, as: UTF8.self) == "{\"v\": \"v-beta\"}", "the compiled flow knows its version")
        #expect(try store.flow(name: "etl")?.version == "2")
        #expect(try store.flow(name: "etl", version: "9") == nil)
        #expect(try store.flowVersions(name: "nope").isEmpty)
    }
}
