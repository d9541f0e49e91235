import Testing

@testable import SluiceKube

/// Views change a uniquely owned document in place: an informer holds thousands of pods and a
/// controller edits one field at a time, so a write must not copy the objects around it.
@Suite struct ObjectInPlaceTests {
    /// Where the member values of the object at `path` are stored.
    static func storage(_ document: JSONObject, _ path: String...) -> UnsafeRawPointer? {
        var value = JSONValue.object(document)
        for key in path { value = value[key] ?? .null }
        return value.objectValue?.values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func writingThroughNestedViewsKeepsTheStorageOfEveryLevel() throws {
        var pod = Pod(document: try ObjectFixture.document(ObjectFixture.runningPod))
        let document = Self.storage(pod.document)
        let spec = Self.storage(pod.document, "spec")
        let status = Self.storage(pod.document, "status")
        let metadata = Self.storage(pod.document, "metadata")
        pod.spec.nodeName = "node-b"
        pod.spec.containers[0].image = "busybox"
        pod.status.phase = .failed
        pod.metadata.resourceVersion = "2"
        #expect(Self.storage(pod.document) == document)
        #expect(Self.storage(pod.document, "spec") == spec)
        #expect(Self.storage(pod.document, "status") == status)
        #expect(Self.storage(pod.document, "metadata") == metadata)
        #expect(pod.spec.containers[0].image == "busybox" && pod.status.phase == .failed)
    }

    @Test func aCopyIsIndependentOfItsOriginal() throws {
        let original = Pod(document: try ObjectFixture.document(ObjectFixture.runningPod))
        var copy = original
        copy.metadata.labels["app"] = "other"
        copy.status.containerStatuses[0].restartCount = 9
        #expect(original.metadata.labels["app"] == "sluice")
        #expect(original.status.containerStatuses[0].restartCount == 1)
        #expect(Self.storage(original.document, "spec") == Self.storage(copy.document, "spec"))
    }
}
