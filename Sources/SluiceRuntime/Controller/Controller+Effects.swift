import Foundation
import Logging
import SluiceEngine
import SluiceModel
import SluiceStore

extension Controller {
    /// Performs a committed step's effects. Each is safe to repeat: a start of an attempt that exists adopts it.
    func perform(_ effects: [Effect], slot: RunSlot, flow: CompiledFlow, state: SluiceEngine.RunState) {
        var again = false, finished = false
        var cancels: [AttemptRef] = []
        slot.wake = nil
        for e in effects {
            switch e {
            case .startAttempt(let spec):
                if let failed = start(Self.labelled(spec, runLabels: slot.runLabels)) {
                    slot.post(failed)
                    again = true
                }
            case .cancelAttempt(let ref, _):
                metrics.add(.attemptsCancelled)
                cancels.append(ref)
            case .lookupCache(let node, let key, let serialize):
                slot.post(lookup(runID: slot.id, node: node, key: key, serialize: serialize))
                again = true
            case .wakeAt(let t):
                slot.wake = t
                queue.add(slot.id, at: StateCoding.date(t) ?? options.clock.now())
            case .finished:
                finished = true
            case .storeCache, .releaseCache:
                break  // written in the step's own commit
            }
        }
        // One batch: a backend with a line of attempts waiting for slots drops the batch's waiting ones first.
        if !cancels.isEmpty { backend.cancel(runID: slot.id, attempts: cancels, grace: options.cancelGrace) }
        // Every other effect of the last step (cancels above all) is performed before the run is let go.
        if finished { finish(slot, state) } else if again { queue.add(slot.id) }
    }

    private func finish(_ slot: RunSlot, _ state: SluiceEngine.RunState) {
        do { try store.release(runID: slot.id, owner: options.owner.name) } catch {
            // The lease expires by itself; nobody is hurt by holding it a little longer.
            logger.warning("cannot release the lease of a finished run", metadata: ["run": "\(slot.id)", "error": "\(error)"])
        }
        metrics.add(.runsFinished)
        dropSlot(slot.id)
        ends.finish(slot.id, .success(state))
    }

    /// The attempt with its run's labels under the task's and node's (a backend puts them on its pods or
    /// containers). Keys under `sluice.dev/` are the backends' own, and a label that is not a valid Kubernetes
    /// label (a run stored before labels were checked) is left out rather than failing the attempt.
    static func labelled(_ spec: AttemptSpec, runLabels: [String: String]) -> AttemptSpec {
        guard !runLabels.isEmpty else { return spec }
        var spec = spec
        for (k, v) in runLabels where spec.labels[k] == nil && !k.hasPrefix("sluice.dev/") && RunLabels.problem(key: k, value: v) == nil {
            spec.labels[k] = v
        }
        return spec
    }

    /// Starts one attempt; a start that fails at once comes back as an exit the engine understands.
    private func start(_ spec: AttemptSpec) -> Observation? {
        var extra: [String: String] = [:]
        if let base = callbackBaseURL {
            do {
                let config = CallbackConfig(baseURL: base, tokens: try callbackTokens())
                extra = config.environment(runID: spec.runID, node: spec.ref.node, attempt: spec.ref.attempt,
                                           purpose: spec.ref.purpose == .revert ? "revert" : "run")
            } catch {
                logger.error("cannot sign the attempt's callback token; it runs without a callback URL",
                             metadata: ["run": "\(spec.runID)", "attempt": "\(spec.ref)", "error": "\(error)"])
            }
        }
        // `uses: [NAME]`: the app's address through this server's gateway (the compiler let only public apps of the
        // flow's file be named, and only for `sluice serve`, which sets the base URL). The container backend points
        // it at the server's listener on the bridge network instead (`ContainerAppGateway`).
        if let base = callbackBaseURL {
            for app in spec.task.uses ?? [] { extra[AppDeploy.urlVariable(app)] = AppDeploy.url(base: base, app: app) }
        }
        do {
            try backend.start(spec, extraEnvironment: extra)
            metrics.add(.attemptsStarted)
            return nil
        } catch {
            metrics.add(.backendErrors)
            logger.warning("attempt could not start", metadata: ["run": "\(spec.runID)", "attempt": "\(spec.ref)", "error": "\(error)"])
            if error.kind == .system {
                // The machine's fault (no descriptors, a full disk): a system failure, retried with backoff.
                return .attemptLost(spec.ref, reason: "cannot start on the \(backend.name) backend: \(error)")
            }
            return .attemptExited(spec.ref, AttemptExit(exitCode: 127, detail: "cannot start on the \(backend.name) backend: \(error)"))
        }
    }

    /// Answers a cache look-up from the store; with `serialize`, the first asker reserves the key. A store
    /// error is logged and counted and answered as a miss this node computes (the run goes on, uncached).
    private func lookup(runID: String, node: String, key: String, serialize: Bool) -> Observation {
        do {
            if let hit = try store.cachedOutputs(key: key) {
                return .cacheAnswer(node: node, key: key, .hit(outputsJSON: String(decoding: hit.outputs, as: UTF8.self),
                                                                  from: "\(hit.runID)/\(hit.nodeID)"))
            }
            if !serialize { return .cacheAnswer(node: node, key: key, .miss(reserved: true)) }
            let reserved = try store.reserveCache(key: key, owner: CacheOwner(runID: runID, nodeID: node))
            return .cacheAnswer(node: node, key: key, .miss(reserved: reserved))
        } catch {
            metrics.add(.cacheErrors)
            logger.error("cache look-up failed; computing without the cache", metadata: ["run": "\(runID)", "node": "\(node)", "error": "\(error)"])
            return .cacheAnswer(node: node, key: key, .miss(reserved: true))
        }
    }

    /// Cache writes and releases that belong in the same commit as the step that produced them.
    func cacheWrites(_ r: StepResult, runID: String) -> ([CacheEntry], [CacheRelease]) {
        var puts: [CacheEntry] = []
        var releases: [CacheRelease] = []
        for e in r.effects {
            switch e {
            case .storeCache(let key, let task, let version, let json, let node):
                puts.append(CacheEntry(key: key, taskName: task, cacheVersion: version, outputs: Data(json.utf8), runID: runID, nodeID: node))
            case .releaseCache(let key, let node):
                releases.append(CacheRelease(key: key, owner: CacheOwner(runID: runID, nodeID: node)))
            default: break
            }
        }
        return (puts, releases)
    }

    /// A message another process left in the store, as the engine's observation. An approval whose verdict
    /// cannot be read is a rejection (fail closed); a signal whose value cannot be read is dropped, logged.
    func inboxObservation(_ m: InboxMessage) -> Observation? {
        let payload = m.payload.flatMap { try? JSONDecoder().decode(LiteralValue.self, from: $0) }
        switch m.kind {
        case .signal:
            guard let id = m.target, let value = payload else {
                metrics.add(.inboxErrors)
                logger.error("signal without a readable value ignored", metadata: ["run": "\(m.runID)", "signal": "\(m.target ?? "?")"])
                return nil
            }
            return .signal(id: id, value: value, by: m.by, comment: m.comment)
        case .approval:
            guard let node = m.target else { return nil }
            guard case .map(let fields)? = payload, case .bool(let approved)? = fields["approved"] else {
                metrics.add(.inboxErrors)
                logger.error("approval without a readable verdict treated as a rejection", metadata: ["run": "\(m.runID)", "node": "\(node)"])
                return .approval(node: node, approved: false, by: m.by,
                                 comment: "rejected: the approval's verdict could not be read" + (m.comment.map { " (\($0))" } ?? ""))
            }
            return .approval(node: node, approved: approved, by: m.by, comment: m.comment)
        case .abort:
            return .abortRequested(by: m.by, reason: m.comment ?? "no reason given")
        case .resume:
            return nil
        }
    }
}
