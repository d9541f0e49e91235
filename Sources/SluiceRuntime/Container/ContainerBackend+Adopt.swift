import DockerEngine
import Foundation
import SluiceEngine

/// Exits through one event stream, and adoption after a restart.
extension ContainerBackend {
    /// Keeps one `/events` connection open for every managed container. After each (re)connect it inspects
    /// what it tracks, so an exit that happened while the stream was down is not missed.
    func followEvents() async {
        var delay = Duration.milliseconds(100)
        while !state.withLock({ $0.stopped }) {
            do {
                let events = try await client.events(labels: [ContainerPlan.managedLabel: "true"])
                delay = .milliseconds(100)
                await catchUp()
                for try await event in events where event.action == .died {
                    if let name = event.attributes["name"] { markDied(name, exit: event.exitCode.map { ($0, event.time) }) }
                }
            } catch {
                logger.warning("the container engine's event stream ended: \(error); reconnecting")
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// Marks every tracked container that is no longer running as dead.
    func catchUp() async {
        let names = state.withLock { s in s.tracked.filter { !$0.value.died }.map(\.key) }
        for name in names {
            guard let info = try? await client.inspectContainer(name) else { continue }
            if info.hasExited { markDied(name) }
        }
    }

    /// The run's attempts: ends stored in attempt folders, and containers labelled with the run (running
    /// ones are followed again, finished ones collected, created ones started).
    func adoptRun(_ runID: String) async -> Set<AttemptRef> {
        var found = Set<AttemptRef>()
        let runFolder = AttemptFolder.runFolder(root: root, runID: runID)
        for node in FileIO.entries(runFolder) {
            for leaf in FileIO.entries(runFolder + "/" + node) {
                let folder = AttemptFolder(path: runFolder + "/" + node + "/" + leaf)
                guard let stored = StoredContainerResult.read(folder), stored.runID == runID else { continue }
                found.insert(stored.ref)
                let name = ContainerPlan.name(store: storeID, runID: runID, stored.ref)
                if track(name, runID: runID, ref: stored.ref) {
                    reportStoredResult(name)
                    _ = try? await client.removeContainer(name, force: true)
                }
            }
        }
        let containers: [ContainerSummary]
        do {
            containers = try await client.listContainers(labels: [ContainerPlan.managedLabel: "true", ContainerPlan.storeLabel: storeID, ContainerPlan.runLabel: runID])
        } catch {
            logger.error("cannot list the containers of run \(runID): \(error)")
            return found
        }
        for c in containers {
            guard let (run, ref) = ContainerPlan.ref(labels: c.labels), run == runID, !found.contains(ref) else { continue }
            found.insert(ref)
            let name = ContainerPlan.name(store: storeID, runID: runID, ref)
            if track(name, runID: runID, ref: ref) {
                Task.detached { [weak self] in await self?.follow(name) }
            }
        }
        return found
    }

    /// Starts following an attempt found after a restart; false when it is followed already.
    private func track(_ name: String, runID: String, ref: AttemptRef) -> Bool {
        let folder = AttemptFolder(root: root, runID: runID, nodeID: ref.node, attempt: ref.attempt, purpose: ref.purpose == .revert ? .revert : .run)
        return state.withLock { s in
            if s.tracked[name] != nil { return false }
            s.tracked[name] = TrackedAttempt(runID: runID, ref: ref, folder: folder, memoryLimit: 0)
            return true
        }
    }

    /// Stops following the engine's events (tests and short-lived tools); attempts in flight are left running.
    public func stop() {
        state.withLock { $0.stopped = true }
        eventsTask.withLock { $0?.cancel() }
    }
}

/// Images known to be present, and pulls in flight (a map of 200 items pulls its image once).
actor ImageCache {
    enum Outcome: Sendable {
        case ready
        case pullFailed(String)
        case unreachable(String)
    }

    private var present: Set<String> = []
    private var pulling: [String: Task<Outcome, Never>] = [:]

    func ensure(_ image: String, client: EngineClient, progress: @escaping @Sendable (String) -> Void) async -> Outcome {
        if present.contains(image) { return .ready }
        if let inFlight = pulling[image] { return await inFlight.value }
        let task = Task<Outcome, Never> {
            do {
                if try await client.imageExists(image) { return .ready }
                try await client.pullImage(image, auth: RegistryAuth.fromDockerConfig(image: image), progress: progress)
                return .ready
            } catch let e as EngineError where e.isUnreachable && e.call.hasPrefix("GET") {
                return .unreachable(e.message)
            } catch let e as EngineError {
                return .pullFailed(e.message)
            } catch {
                return .pullFailed("\(error)")
            }
        }
        pulling[image] = task
        let outcome = await task.value
        pulling[image] = nil
        if case .ready = outcome { present.insert(image) }
        return outcome
    }
}
