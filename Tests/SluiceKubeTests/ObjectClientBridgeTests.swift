import Testing

@testable import SluiceKube

@Suite struct ObjectClientBridgeTests {
    @Test func everyKindNamesTheCollectionTheClientKnows() {
        #expect(Pod.resourceType == .pods)
        #expect(KubeService.resourceType == .services)
        #expect(Event.resourceType == .events)
        #expect(EventV1.resourceType == .eventsV1)
        #expect(Namespace.resourceType == .namespaces)
        #expect(Deployment.resourceType == .deployments)
        #expect(Lease.resourceType == .leases)
        #expect(Lease.resourceType.path(namespace: "sluice", name: "l")
            == "/apis/coordination.k8s.io/v1/namespaces/sluice/leases/l")
    }

    @Test func aWatchUpdateBecomesATypedEvent() throws {
        let pod = try ObjectFixture.document(#"{"kind":"Pod","metadata":{"name":"a"},"status":{"phase":"Failed"}}"#)
        let modified = TypedWatchEvent<Pod>(WatchUpdate(kind: .modified, object: pod))
        guard case .modified(let typed) = modified else { Issue.record("\(modified.type)"); return }
        #expect(typed.status.phase == .failed)
        let expired = try ObjectFixture.document(#"{"kind":"Status","reason":"Expired","code":410}"#)
        #expect(TypedWatchEvent<Pod>(WatchUpdate(kind: .error, object: expired)).status?.reason == .expired)
        #expect(TypedWatchEvent<Pod>(WatchUpdate(kind: .bookmark, object: pod)).type == "BOOKMARK")
        #expect(TypedWatchEvent<Pod>(WatchUpdate(kind: .deleted, object: pod)).object?.metadata.name == "a")
    }
}
