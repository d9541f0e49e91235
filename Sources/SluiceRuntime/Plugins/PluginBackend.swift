import SluiceEngine
import SluiceModel
import SluicePlugin
import Synchronization

/// Runs plugin tasks (`type: http`, `type: sql`) in the controller and hands every other attempt to the backend
/// it wraps, so plugins run on whichever backend was chosen and need no process, container or pod.
///
/// A plugin attempt is a Swift task: `start` begins it (or does nothing when it runs), `cancel` cancels it, and
/// its end is observed like a process exit, its outputs the attempt's outputs. An in-controller attempt dies with
/// its controller, so its start and end are recorded in a `PluginJournal` (the start before the effect): after a
/// restart an ended attempt is reported as it ended, and one that was running is interrupted (see
/// `PluginJournal.interrupted`). A task whose plugin renders a pod (`rendersPod`) becomes a container attempt of
/// the wrapped Kubernetes backend, built, adopted and cancelled like any other.
public final class PluginBackend: AttemptBackend {
    /// The backend that runs everything that is not a plugin task.
    public let inner: any AttemptBackend
    public let plugins: TaskPluginRegistry
    /// Where in-controller plugin tasks read their secrets.
    public let secretSource: PluginSecretSource
    /// Whether an in-controller plugin task's secret is in the secret source, for the submit-time check; nil
    /// when it is there (or can only be known when an attempt runs), else where it was expected.
    public var secretMissing: @Sendable (SecretRef) -> String? { secretSource.missing }
    private let journal: PluginJournal
    private let state = Mutex(State())

    private struct State {
        var receiver: (@Sendable (String, Observation) -> Void)?
        var running: [Key: Task<Void, Never>] = [:]
        /// Attempts between their journal check and their task's creation.
        var starting: Set<Key> = []
    }

    private struct Key: Hashable { var runID: String; var ref: AttemptRef }

    /// Wraps `inner`. Plugin attempts are recorded under `root` (the attempt folders' root, `<store>/attempts`)
    /// and read secrets from `secrets`.
    public init(_ inner: any AttemptBackend, plugins: TaskPluginRegistry, root: String, secretSource: PluginSecretSource) {
        self.inner = inner
        self.plugins = plugins
        self.secretSource = secretSource
        journal = PluginJournal(root: root)
    }

    /// Wraps `inner` with secrets from a `LocalSecrets` folder (the store's, for the CLI's local and container backends).
    public convenience init(_ inner: any AttemptBackend, plugins: TaskPluginRegistry, root: String, secrets: LocalSecrets) {
        self.init(inner, plugins: plugins, root: root, secretSource: .local(secrets))
    }

    public var name: String { inner.name }

    public var capabilities: BackendCapabilities {
        var c = inner.capabilities
        for t in plugins.pluginTypes { c.runtimes.insert(.plugin(t)) }
        return c
    }

    public func observe(_ receiver: @escaping @Sendable (String, Observation) -> Void) {
        state.withLock { $0.receiver = receiver }
        inner.observe(receiver)
    }

    public func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
        guard case .plugin(let type, let config) = spec.task.runtime, let plugin = plugins[type: type], !plugin.runsOnBackend else {
            return try inner.start(spec, extraEnvironment: extraEnvironment)
        }
        let attempt = pluginAttempt(spec, config: config)
        if plugin.rendersPod(attempt.task) {
            return try inner.start(try PluginPod.spec(spec, plugin: plugin, attempt: attempt, backend: inner.capabilities.backend,
                                                  runsPods: inner.capabilities.runtimes.contains(.pod)),
                                   extraEnvironment: extraEnvironment)
        }
        let key = Key(runID: spec.runID, ref: spec.ref)
        let (journal, source) = (self.journal, secretSource)
        let receiver = state.withLock { s -> (@Sendable (String, Observation) -> Void)? in
            guard s.running[key] == nil, !s.starting.contains(key), let r = s.receiver else { return nil }
            s.starting.insert(key)
            return r
        }
        guard let receiver else { return }
        defer { state.withLock { _ = $0.starting.remove(key) } }
        if let entry = journal.read(runID: spec.runID, ref: spec.ref) {
            // Started before, by this controller or a dead one: report how it ended, never run it twice.
            return report(entry, to: receiver)
        }
        let entry = PluginJournal.Entry(runID: spec.runID, ref: spec.ref, type: type, safety: plugin.repeatSafety(attempt.task))
        state.withLock { s in
            guard s.running[key] == nil else { return }
            // Started is told from the task itself, so it always comes before the end.
            s.running[key] = Task.detached { [weak self] in
                receiver(spec.runID, .attemptStarted(spec.ref))
                let observation = await Self.run(plugin, attempt, ref: spec.ref, secrets: source, record: entry, in: journal)
                var ended = entry
                ended.outcome = observation
                // The outcome is recorded before it is told: a controller that dies in between reports it after a restart.
                try? journal.write(ended)
                let receiver = self?.state.withLock { s in
                    s.running[key] = nil
                    return s.receiver
                }
                receiver?(spec.runID, observation)
            }
        }
    }

    /// The attempt as the plugin sees it; its secrets are filled in by `run` before the plugin runs.
    private func pluginAttempt(_ spec: AttemptSpec, config: LiteralValue) -> PluginAttempt {
        PluginAttempt(
            task: PluginTask(name: spec.task.name, interface: spec.task.interface, config: config),
            inputs: spec.inputs, name: spec.name, runID: spec.runID, node: spec.ref.node
        ) { name, _ throws(PluginFailure) in
            throw .system("secret '\(name)' was read before the attempt's secrets were fetched")
        }
    }

    /// Tells how a recorded attempt ended; one without an outcome was interrupted, which is recorded first so a
    /// second restart says the same.
    private func report(_ entry: PluginJournal.Entry, to receiver: @escaping @Sendable (String, Observation) -> Void) {
        var entry = entry
        if entry.outcome == nil {
            entry.outcome = PluginJournal.interrupted(entry)
            try? journal.write(entry)
        }
        let (runID, observation) = (entry.runID, entry.outcome!)
        Task.detached { receiver(runID, observation) }
    }

    public func cancel(runID: String, attempt: AttemptRef, grace: Duration) {
        cancel(runID: runID, attempts: [attempt], grace: grace)
    }

    /// Plugin attempts stop here; the rest go to the inner backend as one batch.
    public func cancel(runID: String, attempts: [AttemptRef], grace: Duration) {
        let tasks = state.withLock { s in attempts.map { s.running[Key(runID: runID, ref: $0)] } }
        var others: [AttemptRef] = []
        for (ref, task) in zip(attempts, tasks) {
            if let task { task.cancel() } else { others.append(ref) }
        }
        if !others.isEmpty { inner.cancel(runID: runID, attempts: others, grace: grace) }
    }

    public func adopt(runID: String) -> Set<AttemptRef> {
        var found = inner.adopt(runID: runID)
        let (receiver, running) = state.withLock { s in (s.receiver, Set(s.running.keys.filter { $0.runID == runID }.map(\.ref) + s.starting.filter { $0.runID == runID }.map(\.ref))) }
        for entry in journal.entries(runID: runID) {
            found.insert(entry.ref)
            if running.contains(entry.ref) { continue }
            if let receiver { report(entry, to: receiver) }
        }
        return found.union(running)
    }

    public func location(runID: String, attempt: AttemptRef) -> String? {
        state.withLock { $0.running[Key(runID: runID, ref: attempt)] } == nil ? inner.location(runID: runID, attempt: attempt) : nil
    }

    /// Fetches the secrets `plugin` declares for the attempt, records its start in `journal`, runs it, and says how it
    /// ended, as the engine hears of a process's end.
    ///
    /// The start is recorded after the secrets are fetched, just before the plugin's effect: a controller that dies
    /// while fetching has done nothing, and the attempt, unknown to `adopt` after a restart, is lost ("it never
    /// started") and runs again, whatever the plugin says of repeating its effect.
    static func run(_ plugin: any TaskPlugin, _ attempt: PluginAttempt, ref: AttemptRef, secrets source: PluginSecretSource,
                    record entry: PluginJournal.Entry, in journal: PluginJournal) async -> Observation {
        var attempt = attempt
        switch await fetch(plugin.secrets(attempt.task).map(\.ref), from: source) {
        case .success(let values):
            attempt.secret = { name, key throws(PluginFailure) in
                guard let value = values[SecretRef(name: name, key: key)] else {
                    // The plugin's own mistake: no retry can cure it.
                    throw .permanent("the \(plugin.type) plugin read secret '\(name)'\(key.map { " key '\($0)'" } ?? "") that its secrets(_:) does not declare, so it was not fetched")
                }
                return value
            }
        case .failure(let error):
            if Task.isCancelled { return .attemptExited(ref, AttemptExit(exitCode: nil, signal: 15, killedByUs: true, detail: "cancelled")) }
            return observation(PluginFailure(error.kind == .user ? .permanent : .system, error.message), plugin: plugin, ref: ref)
        }
        do throws(FileIOError) { try journal.write(entry) } catch {
            return .attemptLost(ref, reason: "\(plugin.type) task: cannot record the start of attempt \(attempt.name): \(error)")
        }
        do {
            let outputs = try await plugin.run(attempt)
            if Task.isCancelled { return .attemptExited(ref, AttemptExit(exitCode: nil, signal: 15, killedByUs: true)) }
            return .attemptExited(ref, AttemptExit(exitCode: 0, outputsJSON: LiteralValue.map(outputs).jsonText))
        } catch {
            return observation(error, plugin: plugin, ref: ref)
        }
    }

    /// Every secret in `refs`, read before the plugin runs (its accessor is synchronous; the source may not be).
    private static func fetch(_ refs: [SecretRef], from source: PluginSecretSource) async -> Result<[SecretRef: String], BackendError> {
        var values: [SecretRef: String] = [:]
        for ref in refs where values[ref] == nil {
            do throws(BackendError) { values[ref] = try await source.fetch(ref) } catch { return .failure(error) }
        }
        return .success(values)
    }

    private static func observation(_ error: PluginFailure, plugin: any TaskPlugin, ref: AttemptRef) -> Observation {
        switch error.kind {
        case .cancelled:
            return .attemptExited(ref, AttemptExit(exitCode: nil, signal: 15, killedByUs: true, detail: error.message))
        case .system:
            return .attemptLost(ref, reason: "\(plugin.type) task: \(error.message)")
        case .retryable, .permanent:
            return .attemptExited(ref, AttemptExit(exitCode: 1, detail: error.message, userFailure: error.message,
                                                   permanent: error.kind == .permanent ? true : nil))
        }
    }
}
