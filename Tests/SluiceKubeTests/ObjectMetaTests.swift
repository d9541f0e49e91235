import Foundation
import Testing

@testable import SluiceKube

@Suite struct ObjectMetaTests {
    let pod: Pod

    init() throws {
        pod = Pod(document: try ObjectFixture.document(ObjectFixture.runningPod))
    }

    @Test func readsEveryMetadataField() throws {
        let meta = pod.metadata
        #expect(meta.name == "train-7f9c-0-a1")
        #expect(meta.generateName == "train-7f9c-0-")
        #expect(meta.namespace == "sluice")
        #expect(meta.uid == "9b2f3c1e-5d4a-4e8b-9c1d-2f3a4b5c6d7e")
        #expect(meta.resourceVersion == "184467")
        #expect(meta.generation == 1)
        #expect(meta.creationTimestamp == .rfc3339("2026-11-25T18:59:58Z"))
        #expect(meta.deletionTimestamp == nil)
        #expect(meta.deletionGracePeriodSeconds == nil)
        #expect(meta.labels == ["sluice.dev/run": "7f9c", "sluice.dev/node": "train", "app": "sluice"])
        #expect(meta.annotations == ["sluice.dev/attempt": "1"])
        #expect(meta.finalizers == ["sluice.dev/attempt"])
        let owner = try #require(meta.ownerReferences.first)
        #expect(owner.apiVersion == "v1")
        #expect(owner.kind == "ConfigMap")
        #expect(owner.name == "run-7f9c")
        #expect(owner.uid == "11111111-2222-3333-4444-555555555555")
        #expect(owner.controller == true)
        #expect(owner.blockOwnerDeletion == true)
    }

    @Test func changingALabelKeepsTheOrderOfTheOthers() {
        var changed = pod
        changed.metadata.labels["sluice.dev/node"] = "eval"
        changed.metadata.labels["zone"] = "b"
        changed.metadata.labels["beta"] = "1"
        changed.metadata.labels["app"] = nil
        #expect(changed.document["metadata"]?["labels"]?.jsonText
            == #"{"sluice.dev/run":"7f9c","sluice.dev/node":"eval","zone":"b","beta":"1"}"#)
        #expect(ObjectFixture.keys(changed.document, "metadata") == ObjectFixture.keys(pod.document, "metadata"))
        #expect(changed.document["metadata"]?["managedFields"] == pod.document["metadata"]?["managedFields"])
    }

    @Test func replacingLabelsAppendsNewKeysSorted() {
        var changed = pod
        changed.metadata.labels = ["zone": "b", "app": "sluice", "beta": "1"]
        #expect(changed.document["metadata"]?["labels"]?.jsonText == #"{"app":"sluice","beta":"1","zone":"b"}"#)
    }

    @Test func removingTheLastFinalizerRemovesTheKey() {
        var changed = pod
        changed.metadata.finalizers.removeAll { $0 == "sluice.dev/attempt" }
        #expect(changed.document["metadata"]?["finalizers"] == nil)
        #expect(changed.metadata.finalizers.isEmpty)
    }

    @Test func settingTheResourceVersionWritesItInPlace() {
        var changed = pod
        changed.metadata.resourceVersion = "200000"
        #expect(ObjectFixture.keys(changed.document, "metadata") == ObjectFixture.keys(pod.document, "metadata"))
        #expect(changed.document["metadata"]?["resourceVersion"] == "200000")
    }

    @Test func timestampsAreWrittenInWholeSeconds() {
        var changed = pod
        changed.metadata.deletionTimestamp = Date(timeIntervalSince1970: 1_795_000_000.75)
        changed.metadata.deletionGracePeriodSeconds = 30
        #expect(changed.document["metadata"]?["deletionTimestamp"] == "2026-11-18T11:06:40Z")
        #expect(changed.metadata.deletionGracePeriodSeconds == 30)
        #expect(ObjectFixture.keys(changed.document, "metadata").suffix(2)
            == ["deletionTimestamp", "deletionGracePeriodSeconds"])
    }

    @Test func ownerReferenceToAnObject() {
        var owner = Deployment(name: "web", namespace: "sluice")
        owner.metadata.uid = "u-1"
        var pod = Pod(name: "web-1", namespace: "sluice")
        pod.metadata.ownerReferences = [OwnerReference(to: owner)]
        #expect(pod.document["metadata"]?["ownerReferences"]?.jsonText == """
            [{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u-1","controller":true,\
            "blockOwnerDeletion":true}]
            """)
    }

    @Test func aNewObjectHasApiVersionAndKindOnly() {
        #expect(Lease().document.testJSON == #"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease"}"#)
        #expect(Namespace(name: "sluice").document.testJSON
            == #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"sluice"}}"#)
    }

    @Test func parsingRejectsWhatIsNotAnObject() throws {
        #expect(throws: KubeObjectError.self) { try Pod(parsing: Array("[1]".utf8)) }
        #expect(throws: KubeObjectError.self) { try Pod(parsing: Array("{\"kind\":".utf8)) }
        let pod = try Pod(parsing: Array(#"{"kind":"Pod","metadata":{"name":"a"}}"#.utf8))
        #expect(pod.metadata.name == "a")
    }
}
