import Foundation
import SluiceCompiler
import SluiceModel
import Testing
@testable import SluiceEngine

/// What the fake backend does with an attempt.
enum Outcome {
    case exit(Int32, outputs: String? = nil)
    /// Stays running until the test says otherwise.
    case hang
    /// Killed by a signal not sent by Sluice.
    case lost
}

/// Drives an engine with an instant fake backend and a manual clock; records what happened.
final class Harness {
    private(set) var engine: Engine
    var state: RunState
    var now = Timestamp(milliseconds: 1_000_000)
    var queue: [Observation] = []
    var started: [AttemptSpec] = []
    var cancelled: [AttemptRef] = []
    var events: [RunEvent] = []
    var finished: RunPhase?
    var wake: Timestamp?
    var cache: [String: String] = [:]
    var reservations: Set<String> = []
    var behavior: (AttemptSpec) -> Outcome = { _ in .exit(0, outputs: "{\"y\": 1}") }

    init(_ yaml: String, inputs: [String: LiteralValue] = [:], environment: EngineEnvironment = .noDynamic) throws {
        let result = FlowCompiler.compile(yaml, file: "test.yaml")
        guard let flow = result.flow else {
            Issue.record("flow does not compile: \(result.diagnostics.map(\.description))")
            throw HarnessError.doesNotCompile
        }
        var all = inputs
        for p in flow.workflow.interface.inputs where all[p.name] == nil { all[p.name] = p.defaultValue }
        engine = Engine(flow: flow, environment: environment)
        state = RunState.new(id: "r1", flow: flow, inputs: all, at: now)
    }

    enum HarnessError: Error { case doesNotCompile }

    /// One step with the given observations plus whatever the fake backend queued.
    @discardableResult
    func step(_ observations: [Observation] = []) -> StepResult {
        let obs = queue + observations
        queue = []
        let r = engine.step(&state, observations: obs, now: now)
        events += r.events
        for e in r.effects { perform(e) }
        return r
    }

    /// Steps until the fake backend has nothing more to report.
    func settle(limit: Int = 10_000) {
        step()
        var n = 0
        while !queue.isEmpty, n < limit { step(); n += 1 }
    }

    /// Moves the clock and steps.
    func advance(ms: Int64) {
        now = now + ms
        settle()
    }

    /// Jumps to the next wake-up time the engine asked for.
    func advanceToWake() {
        if let w = wake { now = max(now, w) }
        settle()
    }

    private func perform(_ e: Effect) {
        switch e {
        case .startAttempt(let spec):
            started.append(spec)
            switch behavior(spec) {
            case .exit(let code, let outputs):
                queue.append(.attemptStarted(spec.ref))
                queue.append(.attemptExited(spec.ref, AttemptExit(exitCode: code, outputsJSON: outputs)))
            case .hang:
                queue.append(.attemptStarted(spec.ref))
            case .lost:
                queue.append(.attemptStarted(spec.ref))
                queue.append(.attemptExited(spec.ref, AttemptExit(exitCode: nil, signal: 9)))
            }
        case .cancelAttempt(let ref, _):
            cancelled.append(ref)
            queue.append(.attemptExited(ref, AttemptExit(exitCode: nil, signal: 15, killedByUs: true)))
        case .lookupCache(let node, let key, let serialize):
            if let hit = cache[key] {
                queue.append(.cacheAnswer(node: node, key: key, .hit(outputsJSON: hit, from: "r0/\(node)")))
            } else if serialize, reservations.contains(key) {
                queue.append(.cacheAnswer(node: node, key: key, .miss(reserved: false)))
            } else {
                if serialize { reservations.insert(key) }
                queue.append(.cacheAnswer(node: node, key: key, .miss(reserved: true)))
            }
        case .storeCache(let key, _, _, let json, _):
            cache[key] = json
            reservations.remove(key)
        case .releaseCache(let key, _):
            reservations.remove(key)
        case .wakeAt(let t):
            wake = t
        case .finished(let phase):
            finished = phase
        }
    }

    /// Replaces the engine with a fresh one given the state as the store keeps it: the header and each node
    /// state encoded and decoded on their own (as after a controller restart).
    func reload() throws {
        state = try Self.roundTrip(state)
        engine = Engine(flow: engine.flow, environment: engine.environment)
    }

    static func roundTrip(_ state: RunState) throws -> RunState {
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        let header = try decoder.decode(RunHeader.self, from: encoder.encode(state.header))
        var nodes: [String: NodeState] = [:]
        for (id, n) in state.nodes { nodes[id] = try decoder.decode(NodeState.self, from: encoder.encode(n)) }
        return RunState(header: header, nodes: nodes)
    }

    func node(_ id: String) -> NodeState? { state.nodes[id] }
    func phase(_ id: String) -> NodePhase { state.nodes[id]?.phase ?? .pending }
    var runPhase: RunPhase { state.header.phase }
    /// Node ids in the order their attempts started.
    var startOrder: [String] { started.filter { $0.ref.purpose == .run }.map(\.ref.node) }
    var revertOrder: [String] { started.filter { $0.ref.purpose == .revert }.map(\.ref.node) }
}

/// A task definition with one int input `x` and one int output `y`, for quick flows.
let echoTasks = """
tasks:
  t:
    command: [work, "{{inputs.x}}"]
    inputs: {x: {type: int, default: 0}}
    outputs: {y: int}
    revert: {command: [undo, "{{inputs.x}}"]}
"""
