import Foundation
import SluiceEngine
import SluiceModel
import SluiceStore

/// Drives one run to its end on the local backend: load, adopt what is running, then loop
/// "observe, step, commit, act" — every state change is durable before its effect is performed.
public final class RunDriver: @unchecked Sendable {
    /// Something the driver thread is woken for.
    enum Message: Sendable {
        case attempt(AttemptObservation)
        case abort(by: String, reason: String)
        /// A task's callback (progress or heartbeat), delivered by the server.
        case callback(Observation)
    }

    /// What became of a callback handed to `deliver`.
    public enum Delivery: Sendable, Equatable {
        case delivered
        /// The attempt is not running (finished, not started, or unknown).
        case notRunning
    }

    public struct Options: Sendable {
        /// How often the store's inbox (signals, approvals, aborts from other processes) is polled.
        public var inboxPoll: Duration = .milliseconds(50)
        /// Lease holder name; nil runs without a lease (tests).
        public var leaseOwner: String?
        public var leaseTTL: Duration = .seconds(30)
        /// The server's base URL for task callbacks; nil (`sluice run`) gives attempts no callback URL.
        public var callbackBaseURL: String?
        public init(leaseOwner: String? = nil, callbackBaseURL: String? = nil) {
            self.leaseOwner = leaseOwner
            self.callbackBaseURL = callbackBaseURL
        }
    }

    public let runID: String
    let store: Store
    let runner: LocalRunner
    let router: ObservationRouter
    let environment: EngineEnvironment
    let options: Options
    let mailbox = Mailbox<Message>()
    /// Where attempts send callbacks; set when `options.callbackBaseURL` is.
    let callback: CallbackConfig?
    private let runningLock = NSLock()
    /// Attempts not yet final as of the last durable step (guarded by `runningLock`).
    private var running: Set<AttemptRef> = []
    /// Called after each durable step with the new state and the events it added.
    public var onStep: ((SluiceEngine.RunState, [RunEvent]) -> Void)?

    init(runID: String, store: Store, runner: LocalRunner, router: ObservationRouter, environment: EngineEnvironment, options: Options,
         callback: CallbackConfig? = nil) {
        self.runID = runID
        self.callback = callback
        self.store = store
        self.runner = runner
        self.router = router
        self.environment = environment
        self.options = options
    }

    /// Asks the run to stop (Ctrl-C): running attempts are cancelled, nothing new starts.
    public func requestAbort(by: String, reason: String) {
        mailbox.post(.abort(by: by, reason: reason))
    }

    /// Hands a task's callback (`.progress` or `.heartbeat`) to the driver thread; `.notRunning` when the
    /// attempt is not running as of the last step.
    public func deliver(_ observation: Observation) -> Delivery {
        let ref: AttemptRef
        switch observation {
        case .progress(let r, _), .heartbeat(let r): ref = r
        default: return .notRunning
        }
        runningLock.lock()
        let isRunning = running.contains(ref)
        runningLock.unlock()
        guard isRunning else { return .notRunning }
        mailbox.post(.callback(observation))
        return .delivered
    }

    private func noteRunning(_ state: SluiceEngine.RunState) {
        var refs: Set<AttemptRef> = []
        for (id, n) in state.nodes {
            for a in n.attempts where !a.phase.isFinal { refs.insert(AttemptRef(node: id, attempt: a.number, purpose: a.purpose)) }
        }
        runningLock.lock()
        running = refs
        runningLock.unlock()
    }

    /// Runs until the run has finished; returns its final state.
    public func drive() throws -> SluiceEngine.RunState {
        guard let stored = try store.loadRun(runID) else { throw ControllerError.noSuchRun(runID) }
        let (flow, loaded) = try StateCoding.load(stored)
        var state = loaded
        if state.header.phase.isFinal { return state }
        if let owner = options.leaseOwner, try !store.claim(runID: runID, owner: owner, ttl: options.leaseTTL) {
            try takeOverFromDeadLocalOwner(owner)
        }
        defer { if let owner = options.leaseOwner { _ = try? store.release(runID: runID, owner: owner) } }
        let engine = Engine(flow: flow, environment: environment)
        let mailbox = self.mailbox
        router.route(runID: runID) { mailbox.post(.attempt($0)) }
        defer { router.unroute(runID: runID) }
        var queued = adopt(state)
        var wake: Timestamp?
        var inboxSeen: Int64 = -1
        var lastRenew = Date()
        var first = true
        while true {
            let deadline = nextDeadline(wake, first: first || !queued.isEmpty)
            let messages = mailbox.take(until: deadline)
            var observations = queued + messages.map(observation)
            queued = []
            var consumed: [Int64] = []
            let latest = (try? store.latestInboxID()) ?? inboxSeen
            if latest != inboxSeen {
                inboxSeen = latest
                for item in try store.pendingInbox(runID: runID) {
                    if let o = Self.observation(item.message) { observations.append(o) }
                    consumed.append(item.id)
                }
            }
            let now = Self.now()
            let due = wake.map { $0 <= now } ?? false
            if observations.isEmpty && consumed.isEmpty && !due && !first {
                renewLease(&lastRenew)
                continue
            }
            first = false
            let result = engine.step(&state, observations: observations, now: now)
            let (puts, releases) = cacheWrites(result, flow: flow)
            FaultPoint.hit(.beforeCommit)
            _ = try store.commit(StateCoding.commit(result, state: state, runID: runID, logRoot: runner.root, inbox: consumed,
                                                    leaseOwner: options.leaseOwner, cachePuts: puts, cacheReleases: releases))
            FaultPoint.hit(.afterCommit)
            noteRunning(state)
            onStep?(state, result.events)
            wake = nil
            var finished = false
            for e in result.effects {
                switch e {
                case .startAttempt(let spec): queued += start(spec)
                case .cancelAttempt(let ref, _): cancel(ref)
                case .lookupCache(let node, let key, let serialize): queued.append(lookup(node: node, key: key, serialize: serialize))
                case .wakeAt(let t): wake = t
                case .finished: finished = true
                case .storeCache, .releaseCache: break
                }
            }
            if finished { return state }
            renewLease(&lastRenew)
        }
    }

    static func now() -> Timestamp { StateCoding.timestamp(Date()) }

    private func nextDeadline(_ wake: Timestamp?, first: Bool) -> Date {
        if first { return Date() }
        let poll = Date().addingTimeInterval(Double(options.inboxPoll.components.attoseconds) / 1e18 + Double(options.inboxPoll.components.seconds))
        guard let w = wake, let d = StateCoding.date(w) else { return poll }
        return min(d, poll)
    }

    private func renewLease(_ last: inout Date) {
        guard let owner = options.leaseOwner, Date().timeIntervalSince(last) > Double(options.leaseTTL.components.seconds) / 3 else { return }
        _ = try? store.renew(runID: runID, owner: owner, ttl: options.leaseTTL)
        last = Date()
    }

    private func observation(_ m: Message) -> Observation {
        switch m {
        case .abort(let by, let reason): return .abortRequested(by: by, reason: reason)
        case .callback(let o): return o
        case .attempt(let o):
            let ref = Launching.ref(o.handle)
            switch o {
            case .started: return .attemptStarted(ref)
            case .exited(_, let result):
                let tail = result.exitCode == 0 ? nil : StderrTail.read(runner.logPaths(o.handle).stderr)
                return .attemptExited(ref, Launching.exit(result, stderrTail: tail))
            case .lost(_, let reason): return .attemptLost(ref, reason: reason)
            case .progress(_, let p): return .progress(ref, Progress(fraction: p.progress, message: p.message, metrics: p.metrics))
            }
        }
    }

    /// A message another process left in the store, as the engine's observation.
    static func observation(_ m: InboxMessage) -> Observation? {
        let payload = m.payload.flatMap { try? JSONDecoder().decode(LiteralValue.self, from: $0) }
        switch m.kind {
        case .signal:
            guard let id = m.target else { return nil }
            return .signal(id: id, value: payload ?? .none, by: m.by, comment: m.comment)
        case .approval:
            guard let node = m.target else { return nil }
            var approved = true
            if case .map(let fields)? = payload, case .bool(let b)? = fields["approved"] { approved = b }
            return .approval(node: node, approved: approved, by: m.by, comment: m.comment)
        case .abort:
            return .abortRequested(by: m.by, reason: m.comment ?? "no reason given")
        case .resume:
            return nil
        }
    }
}
