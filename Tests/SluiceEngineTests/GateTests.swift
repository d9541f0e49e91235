import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct GateTests {
    static let flow = """
        name: gated
        outputs: {v: pick.value}
        \(echoTasks)
        nodes:
          - {id: a, task: t}
          - {id: hold, gate: {approve: a.y}, timeout: 1h}
          - {id: pick, gate: {signal: threshold, type: float}, after: [hold]}
          - {id: nap, gate: {sleep: 30s}, after: [pick]}
        """

    @Test func approveThenSignalThenSleep() throws {
        let h = try Harness(Self.flow)
        h.behavior = { _ in .exit(0, outputs: "{\"y\": 4}") }
        h.settle()
        #expect(h.phase("hold") == .waiting)
        #expect(h.node("hold")?.gate?.value == .int(4))
        #expect(h.runPhase == .waiting)
        h.step([.approval(node: "hold", approved: true, by: "ana", comment: "looks good")])
        #expect(h.phase("hold") == .succeeded)
        #expect(h.node("hold")?.gate?.by == "ana")
        #expect(h.phase("pick") == .waiting)
        h.step([.signal(id: "threshold", value: .int(3), by: "ci", comment: nil)])
        #expect(h.node("pick")?.outputs == ["value": .float(3)])
        #expect(h.phase("nap") == .waiting)
        #expect(h.wake == h.now + 30_000)
        h.advance(ms: 29_999)
        #expect(h.phase("nap") == .waiting)
        h.advance(ms: 1)
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs == ["v": .float(3)])
    }

    @Test func aSignalSentBeforeTheGateIsKept() throws {
        let h = try Harness(Self.flow)
        h.behavior = { _ in .exit(0, outputs: "{\"y\": 4}") }
        h.step([.signal(id: "threshold", value: .float(0.5), by: "ci", comment: "early")])
        h.settle()
        h.step([.approval(node: "hold", approved: true, by: "ana", comment: nil)])
        #expect(h.phase("pick") == .succeeded)
        #expect(h.node("pick")?.gate?.comment == "early")
    }

    @Test func rejectionFailsTheGateWithWhoAndWhy() throws {
        let h = try Harness(Self.flow)
        h.settle()
        h.step([.approval(node: "hold", approved: false, by: "bo", comment: "loss too high")])
        #expect(h.phase("hold") == .failed)
        #expect(h.node("hold")?.failure?.message == "rejected by bo: loss too high")
        #expect(h.runPhase == .failed)
    }

    @Test func gateTimeoutFailsTheGate() throws {
        let h = try Harness(Self.flow)
        h.settle()
        #expect(h.wake == h.now + 3_600_000)
        h.advanceToWake()
        #expect(h.phase("hold") == .timedOut)
        #expect(h.runPhase == .timedOut)
    }

    @Test func approvalForANodeThatIsNotWaitingIsIgnored() throws {
        let h = try Harness(Self.flow)
        h.behavior = { _ in .hang }
        h.settle()
        h.step([.approval(node: "hold", approved: true, by: "ana", comment: nil)])
        #expect(h.phase("hold") == .pending)
        #expect(h.events.contains { $0.kind == "approval-ignored" })
    }

    @Test func aSignalOfTheWrongTypeIsRejectedAndTheGateKeepsWaiting() throws {
        let h = try Harness(Self.flow)
        h.settle()
        h.step([.approval(node: "hold", approved: true, by: "ana", comment: nil)])
        h.step([.signal(id: "threshold", value: .string("high"), by: "ci", comment: nil)])
        #expect(h.phase("pick") == .waiting)
        #expect(h.events.contains { $0.kind == "signal-rejected" })
    }
}

@Suite struct CacheTests {
    static let flow = """
        name: cached
        tasks:
          t:
            command: [work]
            inputs: {x: int, verbose: {type: bool, default: false}}
            outputs: {y: int}
            cache: {version: "1", ignore: [verbose], serialize: true}
        nodes:
          - {id: a, task: t, inputs: {x: 1}}
        """

    @Test func aHitCompletesTheNodeWithoutRunningIt() throws {
        let first = try Harness(Self.flow)
        first.behavior = { _ in .exit(0, outputs: "{\"y\": 5}") }
        first.settle()
        #expect(first.started.count == 1)
        let second = try Harness(Self.flow.replacingOccurrences(of: "x: 1}", with: "x: 1, verbose: true}"))
        second.cache = first.cache
        second.settle()
        #expect(second.started.isEmpty)
        #expect(second.node("a")?.outputs == ["y": .int(5)])
        #expect(second.node("a")?.cacheHitFrom == "r0/a")
        #expect(second.events.contains { $0.kind == "cache-hit" })
        #expect(second.runPhase == .succeeded)
    }

    @Test func serializedCachingMakesOthersWait() throws {
        let h = try Harness(Self.flow)
        h.behavior = { _ in .hang }
        let key = { () -> String in
            h.settle()
            return h.node("a")!.cacheKey!
        }()
        #expect(h.started.count == 1)
        // Another run with the same key sees the reservation and waits.
        let other = try Harness(Self.flow)
        other.reservations = [key]
        other.settle()
        #expect(other.started.isEmpty)
        #expect(other.phase("a") == .waiting)
        other.cache[key] = "{\"y\": 9}"
        other.advanceToWake()
        other.settle()
        #expect(other.node("a")?.outputs == ["y": .int(9)])
    }
}
