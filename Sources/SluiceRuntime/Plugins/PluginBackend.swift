import SluiceEngine
import SluiceModel
import SluicePlugin
import Synchronization

/// Runs plugin tasks (`type: http`, `type: sql`) in the controller and hands every other attempt to the backend
/// it wraps, so plugins run on whichever backend was chosen and need no process, container or pod.
///
/// A plugin attempt is a Swift task: `start` begins it (or does nothing when it runs), `cancel` cancels it, and
/// its end is observed like a process exit, its outputs the attempt's outputs. An in-controller attempt dies
/// with its controller, so `adopt` does not return it and the engine starts it again.
public final class PluginBackend: AttemptBackend {
    /// The backend that runs everything that is not a plugin task.
    public let inner: any AttemptBackend
    public let plugins: TaskPluginRegistry
    private let secrets: @Sendable (SecretRef) throws(BackendError) -> String
    private let state = Mutex(State())

    private struct State {
        var receiver: (@Sendable (String, Observation) -> Void)?
        var running: [Key: Task<Void, Never>] = [:]
    }

    private struct Key: Hashable { var runID: String; var ref: AttemptRef }

    /// Wraps `inner`; plugin attempts read secrets through `secrets` (the backend's secret source).
    public init(_ inner: any AttemptBackend, plugins: TaskPluginRegistry,
                secrets: @escaping @Sendable (SecretRef) throws(BackendError) -> String) {
        self.inner = inner
        self.plugins = plugins
        self.secrets = secrets
    }

    public var name: String { inner.name }

    public var capabilities: BackendCapabilities {
        var c = inner.capabilities
        for t in plugins.types { c.runtimes.insert(.plugin(t)) }
        return c
    }

    public func observe(_ receiver: @escaping @Sendable (String, Observation) -> Void) {
        state.withLock { $0.receiver = receiver }
        inner.observe(receiver)
    }

    public func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
        guard case .plugin(let type, let config) = spec.task.runtime, let plugin = plugins[type: type] else {
            return try inner.start(spec, extraEnvironment: extraEnvironment)
        }
        let key = Key(runID: spec.runID, ref: spec.ref)
        let secrets = self.secrets
        let attempt = PluginAttempt(
            task: PluginTask(name: spec.task.name, interface: spec.task.interface, config: config),
            inputs: spec.inputs, name: spec.name
        ) { name, key throws(PluginFailure) in
            do throws(BackendError) { return try secrets(SecretRef(name: name, key: key)) } catch {
                throw PluginFailure(error.kind == .user ? .permanent : .system, error.message)
            }
        }
        state.withLock { s in
            guard s.running[key] == nil, let receiver = s.receiver else { return }
            // Started is told from the task itself, so it always comes before the end.
            s.running[key] = Task.detached { [weak self] in
                receiver(spec.runID, .attemptStarted(spec.ref))
                let observation = await Self.run(plugin, attempt, ref: spec.ref)
                let receiver = self?.state.withLock { s in
                    s.running[key] = nil
                    return s.receiver
                }
                receiver?(spec.runID, observation)
            }
        }
    }

    public func cancel(runID: String, attempt: AttemptRef, grace: Duration) {
        let task = state.withLock { $0.running[Key(runID: runID, ref: attempt)] }
        guard let task else { return inner.cancel(runID: runID, attempt: attempt, grace: grace) }
        task.cancel()
    }

    public func adopt(runID: String) -> Set<AttemptRef> { inner.adopt(runID: runID) }

    public func location(runID: String, attempt: AttemptRef) -> String? {
        state.withLock { $0.running[Key(runID: runID, ref: attempt)] } == nil ? inner.location(runID: runID, attempt: attempt) : nil
    }

    /// Runs one attempt and says how it ended, as the engine hears of a process's end.
    static func run(_ plugin: any TaskPlugin, _ attempt: PluginAttempt, ref: AttemptRef) async -> Observation {
        do {
            let outputs = try await plugin.run(attempt)
            if Task.isCancelled { return .attemptExited(ref, AttemptExit(exitCode: nil, signal: 15, killedByUs: true)) }
            return .attemptExited(ref, AttemptExit(exitCode: 0, outputsJSON: LiteralValue.map(outputs).jsonText))
        } catch {
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
}
