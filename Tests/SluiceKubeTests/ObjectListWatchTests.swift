import Testing

@testable import SluiceKube

@Suite struct ObjectListWatchTests {
    static let podList = #"""
    {"kind":"PodList","apiVersion":"v1",
     "metadata":{"resourceVersion":"184500","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTg0NTAwLCJzdGFydCI6ImIifQ","remainingItemCount":3},
     "items":[
       {"metadata":{"name":"a","namespace":"sluice","resourceVersion":"10"},"spec":{"containers":[{"name":"main","image":"x"}]},"status":{"phase":"Running"}},
       {"metadata":{"name":"b","namespace":"sluice","resourceVersion":"11"},"spec":{"containers":[{"name":"main","image":"y"}]},"status":{"phase":"Pending"}}
     ]}
    """#

    @Test func readsAPageWithAContinueToken() throws {
        let list = ObjectList<Pod>(document: try ObjectFixture.document(Self.podList))
        #expect(list.items.map(\.metadata.name) == ["a", "b"])
        #expect(list.items.map(\.status.phase) == [.running, .pending])
        #expect(list.resourceVersion == "184500")
        #expect(list.continue == "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTg0NTAwLCJzdGFydCI6ImIifQ")
        #expect(list.remainingItemCount == 3)
        #expect(list.document.testJSON == (try ObjectFixture.compact(Self.podList)))
    }

    @Test func theLastPageHasNoContinue() throws {
        let list = try ObjectList<Pod>(parsing: Array(#"""
            {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":""},"items":[]}
            """#.utf8))
        #expect(list.items.isEmpty)
        #expect(list.continue == nil)
        #expect(list.remainingItemCount == nil)
        let empty = try ObjectList<Pod>(parsing: Array(#"{"kind":"PodList","apiVersion":"v1","metadata":{}}"#.utf8))
        #expect(empty.items.isEmpty && empty.resourceVersion == nil)
    }

    @Test func buildsAListAsAServerWould() {
        var list = ObjectList<Lease>(items: [Lease(name: "l", namespace: "n")])
        list.resourceVersion = "5"
        list.continue = "tok"
        #expect(list.document.testJSON == """
            {"apiVersion":"coordination.k8s.io/v1","kind":"LeaseList","metadata":{"resourceVersion":"5","continue":"tok"},\
            "items":[{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l","namespace":"n"}}]}
            """)
    }

    @Test(arguments: ["ADDED", "MODIFIED", "DELETED"])
    func decodesObjectEvents(type: String) throws {
        let line = #"{"type":"\#(type)","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"12"},"status":{"phase":"Succeeded"}}}"#
        let event = try TypedWatchEvent<Pod>(parsing: Array(line.utf8))
        #expect(event.type == type)
        #expect(event.object?.metadata.name == "a")
        #expect(event.object?.status.phase == .succeeded)
        #expect(event.status == nil)
        #expect(event.document.testJSON == line)
        switch (type, event) {
        case ("ADDED", .added), ("MODIFIED", .modified), ("DELETED", .deleted): break
        default: Issue.record("\(type) decoded as \(event.type)")
        }
    }

    @Test func decodesABookmark() throws {
        let event = try TypedWatchEvent<Pod>(parsing: Array(#"""
            {"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"184600",
             "annotations":{"k8s.io/initial-events-end":"true"},"creationTimestamp":null},"spec":{"containers":null},"status":{}}}
            """#.utf8))
        guard case .bookmark(let pod) = event else { Issue.record("not a bookmark: \(event.type)"); return }
        #expect(pod.metadata.resourceVersion == "184600")
        #expect(pod.metadata.annotations["k8s.io/initial-events-end"] == "true")
        #expect(pod.spec.containers.isEmpty)
        #expect(pod.metadata.creationTimestamp == nil)
    }

    @Test func decodesAnErrorAsAStatus() throws {
        let event = try TypedWatchEvent<Pod>(parsing: Array(#"""
            {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"too old resource version: 100 (184000)","reason":"Expired","code":410}}
            """#.utf8))
        #expect(event.type == "ERROR")
        #expect(event.object == nil)
        #expect(event.status?.reason == .expired)
        #expect(event.status?.code == 410)
    }

    @Test func rejectsMalformedEvents() {
        let lines = [
            #"{"type":"ADDED"}"#, #"{"object":{}}"#, #"{"type":"RENAMED","object":{}}"#,
            #"{"type":"ADDED","object":[]}"#, #"{"type":"ADDED","object":{"#, "[]",
        ]
        for line in lines {
            #expect(throws: KubeObjectError.self, "\(line)") { try TypedWatchEvent<Pod>(parsing: Array(line.utf8)) }
        }
        do {
            _ = try TypedWatchEvent<Pod>(parsing: Array(#"{"type":"RENAMED","object":{}}"#.utf8))
        } catch {
            #expect(error.field == "type")
            #expect(error.description == #"invalid Kubernetes object field "type": "RENAMED" is not a watch event type"#)
        }
    }
}
