import DockerEngine
import Foundation
import Logging
import SluiceEngine
import SluiceModel
import Synchronization

/// Runs each attempt as a container from its task's image through the Docker Engine API (Docker, or
/// Podman's Docker-compatible service). The attempt folder (`<root>/<run>/<node>/<attempt>/`, as on the local
/// backend) is mounted at `/sluice`: `$SLUICE_INPUTS`, `$SLUICE_OUTPUTS` and `$SLUICE_PROGRESS` point into it,
/// and the container's stdout and stderr are demuxed into its `stdout.log` and `stderr.log`.
///
/// One streamed `/events` connection reports exits for every container; when it drops, the backend
/// reconnects and inspects what it tracks. A container is removed once its outputs and logs are stored and
/// its end is written to `container-result.json`, which `adopt` re-reads after a controller restart.
public final class ContainerBackend: AttemptBackend, @unchecked Sendable {
    public let name = "container"
    public let client: EngineClient
    /// The attempt folders' root (`<store>/attempts`).
    public let root: String
    /// This store's part of container names and its `sluice.dev/store` label (task and app containers alike).
    public let storeID: String
    public let secrets: LocalSecrets
    let logger = Logger(label: "sluice.container")
    let state = Mutex(BackendState())
    let images = ImageCache()

    struct BackendState {
        var receiver: (@Sendable (String, Observation) -> Void)?
        /// Every container this backend follows, by container name.
        var tracked: [String: TrackedAttempt] = [:]
        var eventsStarted = false
        var stopped = false
        /// How tasks that `uses:` an app reach the server's gateway (`attach(appGateway:)`).
        var appGateway: (any ContainerAppGateway)?
    }
    let eventsTask = Mutex<Task<Void, Never>?>(nil)

    public var capabilities: BackendCapabilities {
        BackendCapabilities(backend: name, runtimes: [.containerImage], gpus: true, secretPaths: true, isolation: true)
    }

    public init(client: EngineClient, root: String, secrets: LocalSecrets) {
        self.client = client
        self.root = root
        self.secrets = secrets
        storeID = ContainerPlan.storeID(root: root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root)
    }

    public func observe(_ receiver: @escaping @Sendable (String, Observation) -> Void) {
        let first = state.withLock { s -> Bool in
            s.receiver = receiver
            defer { s.eventsStarted = true }
            return !s.eventsStarted
        }
        if first {
            let task = Task.detached { [weak self] in
                guard let self else { return }
                await self.followEvents()
            }
            eventsTask.withLock { $0 = task }
        }
    }

    public func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
        let folder = AttemptFolder(root: root, runID: spec.runID, nodeID: spec.ref.node, attempt: spec.ref.attempt,
                                   purpose: spec.ref.purpose == .revert ? .revert : .run)
        let plan = try ContainerPlan(spec, store: storeID, folder: folder.path, environment: extraEnvironment, secrets: secrets)
        let fresh = state.withLock { s -> Bool in
            if s.tracked[plan.name] != nil { return false }
            s.tracked[plan.name] = TrackedAttempt(runID: spec.runID, ref: spec.ref, folder: folder, memoryLimit: plan.config.host.memory)
            return true
        }
        guard fresh else { return }  // already followed: a repeated start adopts
        if FileIO.exists(folder.containerResult) {
            // It ran and was collected before a restart: report that end again, never run it twice.
            Task.detached { [weak self] in self?.reportStoredResult(plan.name) }
            return
        }
        do {
            try FileIO.makeDirectories(folder.path + "/work")
            // A non-root container user must be able to write its outputs and work files.
            chmod(folder.path, 0o777)
            chmod(folder.path + "/work", 0o777)
            try FileIO.writeAtomically(folder.inputs, spec.inputsJSON)
        } catch {
            state.withLock { $0.tracked[plan.name] = nil }
            throw BackendError("cannot prepare the attempt folder of \(spec.runID)/\(spec.ref): \(error)")
        }
        Task.detached { [weak self] in await self?.run(plan) }
    }

    public func cancel(runID: String, attempt: AttemptRef, grace: Duration) {
        let name = ContainerPlan.name(store: storeID, runID: runID, attempt)
        state.withLock { $0.tracked[name]?.cancelled = true }
        let seconds = Int((Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18).rounded(.up))
        Task.detached { [client, logger] in
            do { try await client.stopContainer(name, timeoutSeconds: max(0, seconds)) } catch let e as EngineError where e.isNotFound {
                // Not created yet (the run loop sees `cancelled`) or already collected.
            } catch {
                logger.warning("cannot stop \(name): \(error)")
            }
        }
    }

    public func adopt(runID: String) -> Set<AttemptRef> {
        waitForAsync { [self] in await self.adoptRun(runID) }
    }

    public func location(runID: String, attempt: AttemptRef) -> String? {
        AttemptFolder(root: root, runID: runID, ref: attempt).path
    }

    func report(_ runID: String, _ o: Observation) {
        let receiver = state.withLock { $0.receiver }
        receiver?(runID, o)
    }
}

/// One attempt the backend follows, from start (or adoption) to removal.
struct TrackedAttempt: Sendable {
    var runID: String
    var ref: AttemptRef
    var folder: AttemptFolder
    var memoryLimit: Int64
    var cancelled = false
    /// The engine said the container stopped (an event, or an inspect after a reconnect).
    var died = false
    /// What the `died` event said, when it carried an exit code: lets a clean exit skip the `inspect`.
    var diedExit: (code: Int32, at: Date?)?
    var waiter: CheckedContinuation<Void, Never>?
    var started = false
}

extension AttemptFolder {
    /// Written by the container backend once an attempt's end is stored, before its container is removed.
    var containerResult: String { path + "/container-result.json" }
    /// Which container the attempt has (`ContainerMarker`).
    var containerMarker: String { path + "/container.json" }
}
