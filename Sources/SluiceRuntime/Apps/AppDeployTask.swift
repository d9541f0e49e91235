#if os(Linux)
import Foundation
import SluiceAPI
import SluiceModel
import SluicePlugin
import Synchronization

/// Runs the `deploy: NAME` steps of `sluice serve` in its controller: deploys the app's spec (as the compiled flow
/// carries it) through the server's `AppRuntime`, then waits until the app is healthy and outputs its gateway URL.
/// The step fails with the last exit reason when a replica reaches crash-loop, or when the app is not healthy in
/// time (`AppRuntime.deployBudget`: its startup grace per replica plus one health interval, plus the drain of the
/// old replicas during a rolling update); those failures count against the node's retries,
/// and a retry deploys the same spec again, which only waits again.
///
/// Crash safety: an attempt interrupted by a controller restart runs again (`repeatSafety` is safe), and that is
/// harmless: `AppRuntime.deploy` of the spec that already runs restarts nothing (it only sets the replica count
/// again), and one whose rolling update is under way with that spec lets the update go on, so the repeated attempt
/// only waits again.
public final class AppDeployTask: TaskPlugin {
    public let type = AppDeploy.taskType
    /// The server's apps and address (a struct: a tuple holding an existential in a `Mutex` crashes the 6.3 compiler).
    private struct Server: Sendable {
        let apps: any AppBackend
        let baseURL: @Sendable () -> String?
    }
    private let server = Mutex<Server?>(nil)
    /// Between two looks at the app's state while waiting for it.
    private let pollEvery: Duration

    public init(pollEvery: Duration = .milliseconds(100)) {
        self.pollEvery = pollEvery
    }

    /// Gives the plugin the server's app runtime (made after the backend that runs the plugin) and its address as
    /// attempts see it (`http://HOST:PORT`, known once it listens).
    public func attach(_ apps: any AppBackend, baseURL: @escaping @Sendable () -> String?) {
        server.withLock { $0 = Server(apps: apps, baseURL: baseURL) }
    }

    public func check(_ task: PluginTask) -> [ConfigProblem] { [] }

    public func repeatSafety(_ task: PluginTask) -> RepeatSafety {
        RepeatSafety(isSafe: true, effect: "a deploy of an unchanged app spec (it restarts nothing)")
    }

    public func run(_ attempt: PluginAttempt) async throws(PluginFailure) -> [String: LiteralValue] {
        guard case .map(let config) = attempt.task.config, case .string(let json)? = config["spec"],
              let spec = try? JSONDecoder().decode(AppSpec.self, from: Data(json.utf8)) else {
            throw .permanent("the deploy task '\(attempt.task.name)' carries no app spec (it is made by the compiler from deploy: NAME)")
        }
        guard let attached = server.withLock({ $0 }), let base = attached.baseURL() else {
            throw .system("this controller runs no apps (deploy steps need `sluice serve`)")
        }
        let apps = attached.apps
        let deployed: Result<[AppView], AppRuntimeError> = await Self.result { () async throws(AppRuntimeError) in try await apps.deploy([spec]) }
        if case .failure(let error) = deployed { throw .permanent("cannot deploy app '\(spec.name)': \(error)") }
        try await waitHealthy(spec, apps, allowed: apps.deployBudget(spec))
        return ["url": .string(AppDeploy.url(base: base, app: spec.name))]
    }

    /// Returns when app `spec.name` is healthy (or idle, for one that scales to zero); throws why it is not.
    private func waitHealthy(_ spec: AppSpec, _ apps: any AppBackend, allowed: Double) async throws(PluginFailure) {
        // Bounded: `startup_grace` times a large `replicas.min` must not trap the conversion.
        let deadline = ContinuousClock.now + .milliseconds(Int64(min(allowed, 86_400 * 366) * 1000))
        while true {
            let looked: Result<AppView, AppRuntimeError> = await Self.result { () async throws(AppRuntimeError) in try await apps.view(spec.name) }
            let view: AppView
            switch looked {
            case .success(let v): view = v
            case .failure(.noApp(_)): throw .permanent("app '\(spec.name)' was deleted while its deploy step waited for it")
            case .failure(let error): throw .system("cannot read the state of app '\(spec.name)': \(error)")
            }
            if !view.running { throw .permanent("app '\(spec.name)' was stopped while its deploy step waited for it") }
            if view.state == "healthy" || view.state == "idle" { return }
            if let looping = view.replicaStates.first(where: { $0.state == "crash-loop" }) {
                throw .retryable("app '\(spec.name)' is in crash-loop: replica \(looping.index) \(looping.lastExit ?? view.lastError ?? "keeps failing")")
            }
            if ContinuousClock.now >= deadline {
                let last = view.lastError.map { "; last error: \($0)" } ?? ""
                throw .retryable("app '\(spec.name)' is not healthy in time (\(Self.seconds(allowed)): its startup grace for \(max(1, spec.replicas.min)) replica(s) plus one health interval, and the old replicas' drain during an update): state \(view.state), \(view.healthy) of \(view.replicas) healthy\(last)")
            }
            do { try await Task.sleep(for: pollEvery) } catch { throw .cancelled }
        }
    }

    /// An app runtime call as a value (a `do`/`catch` inside this throwing function trips the 6.3 compiler).
    private static func result<T>(_ body: () async throws(AppRuntimeError) -> T) async -> Result<T, AppRuntimeError> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    private static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : String(format: "%.1fs", s)
    }
}
#endif
