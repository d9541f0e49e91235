import Foundation
import SluiceCompiler
import SluiceModel
import Testing
@testable import SluiceEngine

/// The engine's central promise: holding an engine between steps is only an optimisation. After every step, a
/// fresh engine given the state as the store keeps it (header and each node state through JSON) must produce
/// exactly what the warm engine produces from the same observations at the same time.
@Suite struct RestartEquivalenceTests {
    @Test(arguments: 0..<120)
    func aFreshEngineOnTheStoredStateStepsExactlyLikeTheWarmOne(seed: Int) throws {
        var rng = SeededRandom(state: UInt64(seed) &* 7919 &+ 17)
        let text = FlowGenerator.flow(&rng)
        let compiled = FlowCompiler.compile(text, file: "prop.yaml")
        let flow = try #require(compiled.flow, "seed \(seed) does not compile: \(compiled.diagnostics.map(\.description))\n\(text)")
        var inputs: [String: LiteralValue] = [:]
        for p in flow.workflow.interface.inputs { inputs[p.name] = p.defaultValue }
        let warm = Engine(flow: flow)
        var state = RunState.new(id: "p\(seed)", flow: flow, inputs: inputs, at: Timestamp(milliseconds: 1_000_000))
        var world = ObservedWorld()
        var now = state.header.createdAt
        for stepNumber in 0..<400 {
            let observations = world.next(&rng, state: state)
            now = now + world.advance(&rng)
            var stored = try Harness.roundTrip(state)
            let fresh = Engine(flow: flow).step(&stored, observations: observations, now: now)
            let result = warm.step(&state, observations: observations, now: now)
            let problems = Self.differences(fresh, stored, result, state)
            guard problems.isEmpty else {
                Issue.record("seed \(seed), step \(stepNumber): \(problems.joined(separator: "\n"))\nobservations: \(observations)\n\(text)")
                return
            }
            world.perform(result.effects)
            if state.header.phase.isFinal { return }
        }
    }
}

extension RestartEquivalenceTests {
    /// What differs between the fresh engine's step and the warm one's, one line each, showing only what differs.
    static func differences(_ fresh: StepResult, _ freshState: RunState, _ warm: StepResult, _ warmState: RunState) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ what: String, _ a: [T], _ b: [T]) {
            guard a != b else { return }
            let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            out.append("\(what) differ at \(i): fresh \(i < a.count ? "\(a[i])" : "nothing") / warm \(i < b.count ? "\(b[i])" : "nothing")")
        }
        compare("effects", fresh.effects.map(short), warm.effects.map(short))
        compare("events", fresh.events.map { "\($0.kind) \($0.node ?? "") \($0.message)" }, warm.events.map { "\($0.kind) \($0.node ?? "") \($0.message)" })
        if fresh.changedNodes != warm.changedNodes { out.append("changed nodes: fresh \(fresh.changedNodes.sorted()) / warm \(warm.changedNodes.sorted())") }
        if fresh.headerChanged != warm.headerChanged { out.append("header changed: fresh \(fresh.headerChanged) / warm \(warm.headerChanged)") }
        if freshState.header != warmState.header { out.append("headers: fresh \(freshState.header) / warm \(warmState.header)") }
        for id in Set(freshState.nodes.keys).union(warmState.nodes.keys).sorted() where freshState.nodes[id] != warmState.nodes[id] {
            out.append("node \(id): fresh \(String(describing: freshState.nodes[id])) / warm \(String(describing: warmState.nodes[id]))")
        }
        if freshState.completions != warmState.completions { out.append("completions: fresh \(freshState.completions) / warm \(warmState.completions)") }
        return out
    }

    private static func short(_ e: Effect) -> String {
        if case .startAttempt(let spec) = e { return "start \(spec.ref) \(spec.name) \(spec.inputsJSON)" }
        return "\(e)"
    }
}

/// A random backend and a random crowd around one run: attempts start, succeed, fail, vanish or beat; people
/// approve, reject, signal and abort; cache answers come back; time moves on.
struct ObservedWorld {
    var queued: [AttemptRef] = []
    var running: [AttemptRef] = []
    var cancelled: [AttemptRef] = []
    var lookups: [(node: String, key: String)] = []
    var cache: [String: String] = [:]
    var wake: Timestamp?

    mutating func perform(_ effects: [Effect]) {
        for e in effects {
            switch e {
            case .startAttempt(let spec): queued.append(spec.ref)
            case .cancelAttempt(let ref, _): cancelled.append(ref)
            case .lookupCache(let node, let key, _): lookups.append((node, key))
            case .storeCache(let key, _, _, let json, _): cache[key] = json
            case .wakeAt(let t): wake = t
            case .releaseCache, .finished: break
            }
        }
    }

    /// How far the clock moves before the next step: not at all, a little, or to the time the engine asked for.
    mutating func advance(_ rng: inout SeededRandom) -> Int64 {
        switch rng.below(4) {
        case 0: return 0
        case 1: return Int64(rng.below(3_000))
        default: return Int64(rng.below(20_000))
        }
    }

    mutating func next(_ rng: inout SeededRandom, state: RunState) -> [Observation] {
        var out: [Observation] = []
        for ref in take(&cancelled, &rng, percent: 70) {
            out.append(.attemptExited(ref, AttemptExit(exitCode: nil, signal: 15, killedByUs: true)))
            running.removeAll { $0 == ref }
            queued.removeAll { $0 == ref }
        }
        for ref in take(&queued, &rng, percent: 60) {
            out.append(.attemptStarted(ref))
            running.append(ref)
        }
        for ref in take(&running, &rng, percent: 40) {
            switch rng.below(10) {
            case 0...5: out.append(.attemptExited(ref, AttemptExit(exitCode: 0, outputsJSON: "{\"y\": \(rng.below(5))}")))
            case 6, 7: out.append(.attemptExited(ref, AttemptExit(exitCode: 1, detail: "boom")))
            case 8: out.append(.attemptLost(ref, reason: "node went away"))
            default:
                out.append(.heartbeat(ref))
                running.append(ref)
            }
        }
        for l in take(&lookups, &rng, percent: 70) {
            let answer: CacheAnswer = cache[l.key].map { .hit(outputsJSON: $0, from: "old/\(l.node)") } ?? .miss(reserved: rng.chance(80))
            out.append(.cacheAnswer(node: l.node, key: l.key, answer))
        }
        for id in state.nodes.keys.sorted() where state.nodes[id]?.waitReason == .approval && rng.chance(30) {
            out.append(.approval(node: id, approved: rng.chance(75), by: "ana", comment: nil))
        }
        if rng.chance(15) { out.append(.signal(id: "s\(rng.below(7))", value: rng.chance(80) ? .int(3) : .string("x"), by: "ci", comment: nil)) }
        if rng.chance(1) { out.append(.abortRequested(by: "bo", reason: "enough")) }
        return out
    }

    /// Removes and returns a random share of `items`, in their order.
    private func take<T>(_ items: inout [T], _ rng: inout SeededRandom, percent: Int) -> [T] {
        var taken: [T] = []
        var kept: [T] = []
        for item in items { if rng.chance(percent) { taken.append(item) } else { kept.append(item) } }
        items = kept
        return taken
    }
}
