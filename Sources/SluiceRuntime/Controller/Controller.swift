import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceStore

/// The embedded controller: one store, one local runner, and drivers for the runs it is asked to drive.
public final class Controller: @unchecked Sendable {
    public let store: Store
    public let runner: LocalRunner
    let router: ObservationRouter
    public let environment: EngineEnvironment
    /// The store's folder (its `callback.key` signs callback tokens).
    public let directory: String
    private let tokensLock = NSLock()
    private var tokens: CallbackTokens?

    /// Opens (or creates) the store in `directory` and the runner's attempt folders under `directory/attempts`.
    public init(directory: String, drivesRuns: Bool = true) throws {
        self.directory = directory
        store = try Store.open(directory: directory, options: StoreOptions(backgroundCheckpoint: drivesRuns))
        runner = try LocalRunner(root: directory + "/attempts")
        router = ObservationRouter(runner)
        environment = EngineEnvironment { text in
            let r = FlowCompiler.compile(text, file: "generated flow")
            if let f = r.flow { return .success(f) }
            return .failure(FlowProblems(r.diagnostics.map(\.description)))
        }
    }

    /// Records a new run of `flow` (durable, state queued) and returns its id.
    public func submit(flow: CompiledFlow, inputs: [String: LiteralValue], runID: String? = nil, labels: [String: String] = [:]) throws -> String {
        let id = runID ?? RunIDs.make(flow: flow.workflow.name)
        let now = RunDriver.now()
        let state = SluiceEngine.RunState.new(id: id, flow: flow, inputs: inputs, at: now)
        try store.createRun(NewRun(id: id, flow: flow.workflow.name, flowVersion: flow.workflow.version, labels: labels,
                                   created: StateCoding.date(now) ?? Date(), compiledFlow: StateCoding.encode(flow),
                                   inputs: StateCoding.encode(inputs), header: StateCoding.encode(state.header),
                                   events: [NewEvent(kind: "run-created", message: "run of \(flow.workflow.name) created")]))
        return id
    }

    /// A driver for run `id`.
    /// With `callbackBaseURL`, each attempt gets `SLUICE_CALLBACK_URL` and its own `SLUICE_CALLBACK_TOKEN`.
    public func driver(for id: String, leaseOwner: String? = nil, callbackBaseURL: String? = nil) -> RunDriver {
        let callback = callbackBaseURL.flatMap { base in (try? callbackTokens()).map { CallbackConfig(baseURL: base, tokens: $0) } }
        return RunDriver(runID: id, store: store, runner: runner, router: router, environment: environment,
                         options: RunDriver.Options(leaseOwner: leaseOwner, callbackBaseURL: callbackBaseURL), callback: callback)
    }

    /// The store's callback-token signer (creates `callback.key` on first use).
    public func callbackTokens() throws -> CallbackTokens {
        tokensLock.lock()
        defer { tokensLock.unlock() }
        if let tokens { return tokens }
        let t = try CallbackTokens(storeDirectory: directory)
        tokens = t
        return t
    }

    /// Loads a run's current state from the store (for status and the CLI).
    public func state(of id: String) throws -> (CompiledFlow, SluiceEngine.RunState)? {
        try StateCoding.state(of: id, in: store)
    }
}

/// Run ids: readable, sortable by time, unique enough for one machine and a cluster.
public enum RunIDs {
    public static func make(flow: String) -> String {
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(String(flow.prefix(30)))-\(String(ms, radix: 36))\(random.prefix(4))"
    }
}

extension Controller {
    /// Drives several runs at once, one worker thread per run (a run is never driven by two workers:
    /// each worker holds the run's lease). Returns each run's final state, or the error that stopped it.
    public func driveAll(_ runIDs: [String], owner: String = RunDriver.localOwner()) -> [String: Result<SluiceEngine.RunState, any Error>] {
        let results = ResultBox()
        let group = DispatchGroup()
        for id in runIDs {
            group.enter()
            let driver = driver(for: id, leaseOwner: "\(owner):\(id)")
            let thread = Thread {
                do { results.set(id, .success(try driver.drive())) } catch { results.set(id, .failure(error)) }
                group.leave()
            }
            thread.name = "sluice-run-\(id)"
            thread.start()
        }
        group.wait()
        return results.values
    }
}

/// Results written by worker threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [String: Result<SluiceEngine.RunState, any Error>] = [:]

    func set(_ id: String, _ r: Result<SluiceEngine.RunState, any Error>) {
        lock.lock()
        values[id] = r
        lock.unlock()
    }
}
