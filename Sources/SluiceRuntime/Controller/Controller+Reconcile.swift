import Foundation
import Logging
import SluiceEngine
import SluiceModel
import SluiceStore

extension Controller {
    /// One pass over one run, on a worker thread: load it if needed, take what was observed, step, commit,
    /// act. Errors are logged, counted, and either retried with backoff or end the run's driving here.
    func reconcile(_ id: String) {
        guard let slot = slots.withLock({ $0[id] }) else { return }
        do {
            try reconcile(slot)
            queue.forget(id)
        } catch let error as ControllerError {
            switch error {
            case .busy, .noSuchRun, .corrupt, .leaseLost, .finished, .stopped, .wrongBackend, .invalidRunID:
                if case .busy = error, options.claimsRuns {
                    logger.debug("run is driven by another controller", metadata: ["run": "\(id)", "why": "\(error)"])
                } else {
                    logger.warning("stopped driving the run", metadata: ["run": "\(id)", "why": "\(error)"])
                }
                if case .leaseLost = error { metrics.add(.leasesLost) }
                if case .corrupt = error { metrics.add(.loadErrors) }
                dropSlot(id)
                ends.finish(id, .failure(error))
            }
        } catch {
            // The store was busy or failed: the in-memory state may be ahead of it, so reload and retry later.
            logger.error("reconcile failed; retrying", metadata: ["run": "\(id)", "error": "\(error)"])
            slot.state = nil
            slot.engine = nil
            queue.addRateLimited(id)
        }
    }

    private func reconcile(_ slot: RunSlot) throws {
        let first = !slot.isLoaded
        var observations: [Observation] = []
        if first {
            guard let lost = try load(slot) else { return }
            observations = lost
        }
        let (posted, inboxNews) = slot.take()
        observations += posted
        var consumed: [Int64] = []
        if inboxNews || first {
            let items: [InboxItem]
            do { items = try store.pendingInbox(runID: slot.id) } catch {
                slot.repost(posted)
                slot.noteInboxNews()
                throw error
            }
            for item in items {
                consumed.append(item.id)
                if let o = inboxObservation(item.message) { observations.append(o) }
            }
        }
        // The queue wakes a run up to 1 ms early (times are whole milliseconds): step it at its wake time then.
        var now = StateCoding.timestamp(options.clock.now())
        let due = slot.wake.map { $0.milliseconds <= now.milliseconds + 1 } ?? false
        if due, let wake = slot.wake, wake > now { now = wake }
        guard first || !observations.isEmpty || !consumed.isEmpty || due else {
            // Woken early (a stale, earlier timer of the run fired): keep the run's real wake time armed.
            if let wake = slot.wake, let date = StateCoding.date(wake) {
                queue.add(slot.id, at: date)
                metrics.add(.earlyWakes)
            }
            return
        }
        try step(slot, observations: observations, reposting: posted, consumed: consumed, now: now)
    }

    /// Loads the run and takes its lease; returns the observations adoption adds (attempts that never started),
    /// or nil when there is nothing to drive (it had ended).
    private func load(_ slot: RunSlot) throws -> [Observation]? {
        guard let stored = try store.loadRun(slot.id) else { throw ControllerError.noSuchRun(slot.id) }
        let flow: CompiledFlow, state: SluiceEngine.RunState
        do { (flow, state) = try StateCoding.load(stored) } catch let e as ControllerError { throw e } catch {
            throw ControllerError.corrupt(run: slot.id, why: "\(error)")
        }
        if state.header.phase.isFinal {
            dropSlot(slot.id)
            ends.finish(slot.id, .success(state))
            return nil
        }
        if let recorded = try store.backend(ofRun: slot.id), recorded != backend.name {
            throw ControllerError.wrongBackend(run: slot.id, backend: recorded, here: backend.name)
        }
        try claim(slot.id)
        slot.claimed = true
        slot.flow = flow
        slot.runLabels = stored.run.summary.labels
        slot.engine = Engine(flow: flow, environment: environment)
        slot.state = state
        slot.wake = nil
        slot.noteRunning(state, nodes: state.nodes.keys)
        return adopt(slot.id, state)
    }

    /// Takes the run's lease; a lease held by a dead process of this machine is taken over at once.
    func claim(_ id: String) throws {
        let owner = options.owner.name
        if try store.claim(runID: id, owner: owner, ttl: options.leaseTTL) { return }
        let lease = try store.lease(runID: id)
        if let lease, LeaseOwner(lease.owner).isDeadLocalProcess {
            _ = try store.release(runID: id, owner: lease.owner)
            if try store.claim(runID: id, owner: owner, ttl: options.leaseTTL) { return }
        }
        throw ControllerError.busy(run: id, owner: lease?.owner ?? "another controller")
    }

    /// After a (re)load: the backend re-reports the attempts it knows; attempts it does not know never
    /// started (the controller stopped between commit and start) and are reported lost, which retries them.
    private func adopt(_ id: String, _ state: SluiceEngine.RunState) -> [Observation] {
        let found = backend.adopt(runID: id)
        var lost: [Observation] = []
        for (nodeID, n) in state.nodes.sorted(by: { $0.key < $1.key }) {
            for a in n.attempts where !a.phase.isFinal {
                let ref = AttemptRef(node: nodeID, attempt: a.number, purpose: a.purpose)
                if !found.contains(ref) {
                    lost.append(.attemptLost(ref, reason: "it never started: the controller stopped before launching it"))
                }
            }
        }
        return lost
    }

    private func step(_ slot: RunSlot, observations: [Observation], reposting posted: [Observation], consumed: [Int64],
                      now: Timestamp) throws {
        guard let engine = slot.engine, let flow = slot.flow, var state = slot.state else { return }
        slot.state = nil  // the engine mutates it in place; no second reference, no copy
        let result = engine.step(&state, observations: observations, now: now)
        let (puts, releases) = cacheWrites(result, runID: slot.id)
        FaultPoint.hit(.beforeCommit)
        let commit = StateCoding.commit(result, state: state, runID: slot.id, location: { [backend] ref in
            backend.location(runID: slot.id, attempt: ref) ?? ""
        }, inbox: consumed, leaseOwner: options.owner.name, cachePuts: puts, cacheReleases: releases)
        do {
            _ = try store.commit(commit)
        } catch {
            slot.engine = nil
            slot.repost(posted)
            if !consumed.isEmpty { slot.noteInboxNews() }
            if case .leaseNotHeld = error { throw ControllerError.leaseLost(run: slot.id) }
            metrics.add(.commitErrors)
            throw error
        }
        FaultPoint.hit(.afterCommit)
        slot.state = state
        metrics.add(.steps)
        slot.noteRunning(state, nodes: result.changedNodes)
        onStep?(slot.id, state, result.events)
        slot.notify(state, result.events)
        perform(result.effects, slot: slot, flow: flow, state: state)
    }
}
