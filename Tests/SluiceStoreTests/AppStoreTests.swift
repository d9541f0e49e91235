import Foundation
import Testing
@testable import SluiceStore

@Suite struct AppStoreTests {
    @Test func aDeployedAppIsKeptScaledStoppedRedeployedAndDeleted() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        let first = try store.putApp(name: "scorer", spec: Data(#"{"v":1}"#.utf8), replicas: 2, now: Date(timeIntervalSince1970: 100))
        #expect(first.running && first.replicas == 2)
        #expect(try store.setAppReplicas(name: "scorer", replicas: 3)?.replicas == 3)
        #expect(try store.setAppRunning(name: "scorer", running: false)?.running == false)
        // A new spec: running again, the creation time kept.
        let again = try store.putApp(name: "scorer", spec: Data(#"{"v":2}"#.utf8), replicas: 1, now: Date(timeIntervalSince1970: 200))
        #expect(again.running && again.replicas == 1 && again.spec == Data(#"{"v":2}"#.utf8))
        #expect(again.created == Date(timeIntervalSince1970: 100))
        // Another process opening the same file sees it (what a restarted server reads).
        let reopened = try scratch.openStore()
        #expect(try reopened.apps().map(\.name) == ["scorer"])
        #expect(try store.deleteApp(name: "scorer"))
        #expect(try !store.deleteApp(name: "scorer"))
        #expect(try store.app(name: "scorer") == nil)
        #expect(try store.setAppReplicas(name: "scorer", replicas: 1) == nil)
    }

    @Test func aNegativeReplicaCountIsRefusedByTheSchema() throws {
        let store = try ScratchDirectory().openStore()
        #expect(throws: StoreError.self) { try store.putApp(name: "x", spec: Data("{}".utf8), replicas: -1) }
    }
}
