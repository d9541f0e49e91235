import Foundation
import Logging
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceStore
import Synchronization

/// The controller: one store, one attempt backend, and one reconcile loop for every run it owns.
///
/// Shaped like controller-runtime: observations (backend events, inbox rows, task callbacks, timers,
/// claims) only queue a run's id; a fixed pool of worker threads takes ids off the queue, one worker per run
/// at a time, and reconciles: load (or reuse) the state, `Engine.step`, commit the new state and its events
/// in one transaction, then perform the effects (start and cancel attempts, cache look-ups, timers). A
/// controller that dies between commit and effect is safe: every effect is idempotent and is redone from
/// the stored state. `sluice run` and `sluice serve` use the same loop; only `serve` claims new runs.
public final class Controller: @unchecked Sendable {
    /// How the loop runs.
    public struct Options: Sendable {
        /// Worker threads (runs reconciled in parallel).
        public var workers: Int = 4
        /// This process's lease-holder name.
        public var owner: LeaseOwner = .thisProcess()
        public var leaseTTL: Duration = .seconds(30)
        /// How often the store's inbox is probed for messages from other processes (one query per probe).
        public var inboxPoll: Duration = .milliseconds(50)
        /// Whether to claim queued and orphaned runs of the store (`sluice serve`), or only those asked for.
        public var claimsRuns = false
        /// How often to look for runs to claim when not poked.
        public var claimPoll: Duration = .milliseconds(200)
        /// How long a cancelled attempt gets between the polite signal and the forced stop.
        public var cancelGrace: Duration = .seconds(5)
        public var clock: any ControllerClock = SystemClock()
        /// Prefix of the controller's thread names (`NAME-w0`, `NAME-hk`); at most 11 characters show in `ps`.
        public var threadName = "sluice"
        public init() {}
    }

    public let store: Store
    public let backend: any AttemptBackend
    public let environment: EngineEnvironment
    /// The store's folder (its `callback.key` signs callback tokens).
    public let directory: String
    public let options: Options
    public let metrics = ControllerMetrics()
    let logger: Logger
    let queue: ReconcileQueue<String>
    let slots = Mutex([String: RunSlot]())
    let ends = RunEnds()
    private let tokens = Mutex<CallbackTokens?>(nil)
    private let baseURL = Mutex<String?>(nil)
    private let started = Mutex(false)
    var housekeeping: Housekeeping?
    /// Called after each durable step of any run (metrics). Must not keep the state.
    public var onStep: (@Sendable (String, SluiceEngine.RunState, [RunEvent]) -> Void)?

    /// A controller over the store in `directory` and `backend`; nothing runs until `start()`.
    public init(directory: String, backend: any AttemptBackend, options: Options = Options()) throws {
        self.directory = directory
        self.options = options
        self.backend = backend
        store = try Store.open(directory: directory, options: StoreOptions(backgroundCheckpoint: true))
        environment = EngineEnvironment { text in
            let r = FlowCompiler.compile(text, file: "generated flow")
            if let f = r.flow { return .success(f) }
            return .failure(FlowProblems(r.diagnostics.map(\.description)))
        }
        var logger = Logger(label: "sluice.controller")
        logger[metadataKey: "owner"] = "\(options.owner)"
        self.logger = logger
        queue = ReconcileQueue(clock: options.clock)
    }

    /// The embedded default: the local process backend with attempt folders under `directory/attempts`
    /// and secrets from `LocalSecrets`. With a `taskUser`, tasks run as that account, which can reach its own
    /// attempt folder but not the store's database, tokens or secrets (see `TaskUser`).
    /// `maxLocalAttempts` caps the attempts running at once (nil: `LocalBackend.defaultMaxRunning`).
    public convenience init(directory: String, options: Options = Options(), taskUser: TaskUser? = nil, maxLocalAttempts: Int? = nil) throws {
        try self.init(directory: directory, backend: try Self.localBackend(directory: directory, taskUser: taskUser, maxLocalAttempts: maxLocalAttempts),
                      options: options)
    }

    /// The local process backend for the store at `directory` (what the convenience initialiser uses), for callers
    /// that wrap it (task plugins) before handing it to a controller.
    public static func localBackend(directory: String, taskUser: TaskUser? = nil, maxLocalAttempts: Int? = nil) throws -> LocalBackend {
        let backend = try LocalBackend(root: directory + "/attempts", secrets: LocalSecrets(directory: LocalSecrets.directory(forStore: directory)),
                                       taskUser: taskUser, maxRunning: maxLocalAttempts)
        // The task user passes through the store folder to its attempt; every file in it stays owner-only.
        if taskUser != nil { chmod(directory, 0o711) }
        return backend
    }

    /// What flows are checked against before they are submitted here.
    public var compileTarget: FlowCompiler.Target {
        let plugins = backend as? PluginBackend
        let inner = plugins?.inner ?? backend
        let secrets = (inner as? LocalBackend)?.secrets ?? (inner as? ContainerBackend)?.secrets
        var missing: @Sendable (SecretRef) -> String? = { _ in nil }
        if let plugins { missing = plugins.secretMissing }
        return FlowCompiler.Target(capabilities: backend.capabilities, plugins: plugins?.plugins, pluginSecretMissing: missing) { s in
            secrets?.exists(s) ?? true
        }
    }

    /// Starts the worker threads and the housekeeping thread (inbox, leases, claims). Idempotent.
    public func start() {
        guard started.withLock({ s in defer { s = true }; return !s }) else { return }
        backend.observe { [weak self] runID, o in self?.observed(runID, o) }
        queue.startWorkers(max(1, options.workers), name: options.threadName + "-w") { [weak self] id in self?.reconcile(id) }
        let h = Housekeeping(controller: self)
        housekeeping = h
        h.start()
    }

    /// Stops taking work and gives up the leases of the runs it owns, so another controller (or this one,
    /// restarted) adopts them; their attempts keep running on the backend.
    public func stop() {
        housekeeping?.stop()
        queue.shutdown()
        let owned = slots.withLock { s in defer { s.removeAll() }; return Array(s.keys) }
        for id in owned { _ = try? store.release(runID: id, owner: options.owner.name) }
        ends.abandon(owned, ControllerError.stopped)
    }

    /// Stops, then closes the store: the write-ahead log is folded into the database and emptied, so many
    /// short `sluice` commands on one store keep a small log. For a process about to exit; the controller
    /// cannot be used after.
    public func close() {
        stop()
        queue.waitForWorkers()
        store.close()
    }

    /// The server's base URL given to attempts for callbacks (`SLUICE_CALLBACK_URL`); nil gives none.
    public var callbackBaseURL: String? {
        get { baseURL.withLock { $0 } }
        set { baseURL.withLock { $0 = newValue } }
    }

    /// Records a new run of `flow` (durable, state queued) and returns its id.
    @available(*, noasync, message: "writes the store; from async code run it on a store thread")
    public func submit(flow: CompiledFlow, inputs: [String: LiteralValue], runID: String? = nil, labels: [String: String] = [:]) throws -> String {
        let id = runID ?? RunIDs.make(flow: flow.workflow.name)
        if let problem = RunID.problem(id) { throw ControllerError.invalidRunID(problem) }
        let now = StateCoding.timestamp(options.clock.now())
        let state = SluiceEngine.RunState.new(id: id, flow: flow, inputs: inputs, at: now)
        var run = NewRun(id: id, flow: flow.workflow.name, flowVersion: flow.workflow.version, labels: labels,
                         created: StateCoding.date(now) ?? Date(), compiledFlow: StateCoding.encode(flow),
                         inputs: StateCoding.encode(inputs), header: StateCoding.encode(state.header),
                         events: [NewEvent(kind: "run-created", message: "run of \(flow.workflow.name) created on the \(backend.name) backend")])
        run.backend = backend.name
        try store.createRun(run)
        return id
    }

    /// The store's callback-token signer (creates `callback.key` on first use).
    public func callbackTokens() throws -> CallbackTokens {
        try tokens.withLock { t in
            if let t { return t }
            let made = try CallbackTokens(storeDirectory: directory)
            t = made
            return made
        }
    }

    /// Loads a run's current state from the store (for status and the CLI).
    @available(*, noasync, message: "reads the store; from async code run it on a store thread")
    public func state(of id: String) throws -> (CompiledFlow, SluiceEngine.RunState)? {
        try StateCoding.state(of: id, in: store)
    }
}

/// Run ids: readable, sortable by time, unique enough for one machine and a cluster (the rule is `RunID`'s).
public enum RunIDs {
    public static func make(flow: String) -> String { RunID.make(flow: flow) }
}
