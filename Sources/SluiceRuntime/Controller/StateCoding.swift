import Foundation
import SluiceAPI
import SluiceEngine
import SluiceModel
import SluiceStore

/// Converts the engine's run state to store rows and back.
public enum StateCoding {
    public static func encode<T: Encodable>(_ v: T) -> Data {
        (try? CompactJSONEncoder().encode(v)) ?? Data("null".utf8)
    }

    public static func date(_ t: Timestamp?) -> Date? {
        t.map { Date(timeIntervalSince1970: Double($0.milliseconds) / 1000) }
    }

    public static func timestamp(_ d: Date) -> Timestamp {
        Timestamp(milliseconds: Int64((d.timeIntervalSince1970 * 1000).rounded()))
    }

    /// Rebuilds the engine's state from a stored run.
    public static func load(_ stored: StoredRun) throws -> (CompiledFlow, SluiceEngine.RunState) {
        let decoder = JSONDecoder()
        let flow = try decoder.decode(CompiledFlow.self, from: stored.run.compiledFlow)
        guard let headerData = stored.run.header else {
            throw ControllerError.corrupt(run: stored.run.id, why: "the run has no engine header")
        }
        let header = try decoder.decode(RunHeader.self, from: headerData)
        var nodes: [String: NodeState] = [:]
        nodes.reserveCapacity(stored.nodes.count)
        for n in stored.nodes { nodes[n.nodeID] = try decoder.decode(NodeState.self, from: n.data) }
        return (flow, SluiceEngine.RunState(header: header, nodes: nodes))
    }

    /// A run's flow and state straight from the store, for readers that drive nothing.
    public static func state(of id: String, in store: Store) throws -> (CompiledFlow, SluiceEngine.RunState)? {
        guard let stored = try store.loadRun(id) else { return nil }
        return try load(stored)
    }

    /// The store rows one step changed.
    public static func commit(_ r: StepResult, state: SluiceEngine.RunState, runID: String, location: (AttemptRef) -> String, inbox: [Int64], leaseOwner: String?,
                       cachePuts: [CacheEntry], cacheReleases: [CacheRelease]) -> StepCommit {
        let h = state.header
        var run = RunUpdate()
        if r.headerChanged {
            run = RunUpdate(state: h.phase, header: encode(h))
            run.started = date(h.startedAt)
            run.finished = date(h.finishedAt)
            if let o = h.outputs { run.outputs = encode(o) }
            run.error = h.failure?.message
        }
        var nodes: [NodeUpdate] = []
        var attempts: [AttemptRecord] = []
        for id in r.changedNodes.sorted() {
            guard let n = state.nodes[id] else { continue }
            nodes.append(NodeUpdate(nodeID: id, state: n.phase.rawValue, step: n.step, started: date(n.startedAt),
                                    finished: date(n.finishedAt), data: encode(n)))
            // Earlier attempts are final and were written when they changed; a step touches at most the
            // last two (one ends, the next is queued).
            for a in n.attempts.suffix(2) { attempts.append(record(a, node: id, location: location(AttemptRef(node: id, attempt: a.number, purpose: a.purpose)))) }
        }
        let events = r.events.map { e in
            NewEvent(time: date(e.at) ?? Date(), kind: e.kind, nodeID: e.node, attempt: e.attempt, message: e.message,
                     data: e.progress.flatMap { p in
                         try? JSONEncoder().encode(ProgressReport(fraction: p.fraction, message: p.message, metrics: p.metrics.isEmpty ? nil : p.metrics))
                     })
        }
        return StepCommit(runID: runID, leaseOwner: leaseOwner, run: run, nodes: nodes, attempts: attempts, events: events,
                          consumeInbox: inbox, cachePuts: cachePuts, cacheReleases: cacheReleases)
    }

    static func record(_ a: AttemptState, node: String, location dir: String) -> AttemptRecord {
        let purpose: SluiceStore.AttemptPurpose = a.purpose == .revert ? .revert : .run
        return AttemptRecord(nodeID: node, attempt: a.number, purpose: purpose, state: a.phase.rawValue,
                             started: date(a.startedAt), finished: date(a.finishedAt), exitCode: a.exitCode, signal: a.signal,
                             error: a.failure?.message, logDirectory: dir,
                             usage: ResourceUsage(maxRSSBytes: a.maxRSSBytes, userCPUSeconds: a.cpuMillis.map { Double($0) / 1000 }))
    }
}

/// Why the controller could not drive a run.
public enum ControllerError: Error, CustomStringConvertible, Sendable {
    case noSuchRun(String)
    case corrupt(run: String, why: String)
    case finished(run: String, state: String)
    case busy(run: String, owner: String)
    /// Another controller took the run's lease after it expired here.
    case leaseLost(run: String)
    /// The controller stopped before the run ended; it continues where it is driven next.
    case stopped
    /// The run's attempts live on another backend than this controller's.
    case wrongBackend(run: String, backend: String, here: String)
    /// A run id given for a new run breaks `RunID.rule` (the message says how).
    case invalidRunID(String)

    public var description: String {
        switch self {
        case .noSuchRun(let id): "no run '\(id)' in this store"
        case .corrupt(let run, let why): "run '\(run)' cannot be loaded: \(why)"
        case .finished(let run, let state): "run '\(run)' has already finished (\(state))"
        case .busy(let run, let owner): "run '\(run)' is being driven by \(owner); wait for it, or for its lease to expire"
        case .leaseLost(let run): "run '\(run)' is now driven by another controller (this one's lease expired)"
        case .stopped: "the controller stopped before the run ended"
        case .wrongBackend(let run, let backend, let here):
            "run '\(run)' was started on the \(backend) backend; drive it with --backend \(backend) (this controller uses the \(here) backend)"
        case .invalidRunID(let problem): problem
        }
    }
}
