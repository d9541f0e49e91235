import Testing

@testable import SluiceRuntime

@Suite("LocalRunner: observation queue")
struct LocalObservationQueueTests {
    static let one = AttemptHandle(runID: "r", nodeID: "a", attempt: 1, purpose: .run, directory: "/x/a")
    static let two = AttemptHandle(runID: "r", nodeID: "b", attempt: 1, purpose: .run, directory: "/x/b")

    @Test func afterFinishTheReaderDrainsWhatIsPendingThenEnds() async {
        let queue = ObservationQueue()
        queue.push(.lost(Self.one, reason: "gone"))
        queue.finish()
        queue.push(.lost(Self.two, reason: "too late"))
        guard case .lost(Self.one, _) = await queue.next() else {
            Issue.record("expected the pending observation")
            return
        }
        #expect(await queue.next() == nil)
    }

    @Test func progressIsCoalescedPerAttemptButExitsAreKept() async {
        let queue = ObservationQueue()
        for step in 0..<1000 {
            queue.push(.progress(Self.one, ProgressUpdate(progress: Double(step) / 1000)))
            queue.push(.progress(Self.two, ProgressUpdate(progress: Double(step) / 1000)))
        }
        queue.push(.lost(Self.one, reason: "gone"))
        queue.push(.lost(Self.two, reason: "gone"))
        var seen: [String] = []
        for _ in 0..<4 {
            switch await queue.next() {
            case .progress(let handle, let update): seen.append("\(handle.nodeID) \(update.progress ?? -1)")
            case .lost(let handle, _): seen.append("\(handle.nodeID) lost")
            default: seen.append("other")
            }
        }
        #expect(seen == ["a 0.999", "b 0.999", "a lost", "b lost"])
    }

    @Test func aWaitingReaderIsWokenByThePush() async {
        let queue = ObservationQueue()
        async let next = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.push(.lost(Self.one, reason: "gone"))
        guard case .lost(let handle, "gone") = await next else {
            Issue.record("expected the pushed observation")
            return
        }
        #expect(handle == Self.one)
    }
}
