import Foundation
import Logging
import SluiceStore

/// The controller's one background thread besides its workers: it probes the store's inbox for messages
/// other processes posted (one query per probe for the whole store, however many runs wait), renews every
/// lease this controller holds in one statement, and — in `sluice serve` — claims queued runs, runs whose
/// lease expired and runs whose local owner died (the scheduler). It never reconciles a run itself: it
/// only queues ids.
final class Housekeeping: @unchecked Sendable {
    private unowned let controller: Controller
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var stopping = false
    private var poked = true
    private var lastTick = Date.distantPast
    private var running = false

    init(controller: Controller) { self.controller = controller }

    func start() {
        // Alive from the start: a readiness probe made before the thread's first tick (a loaded machine may take a
        // while to schedule it) answers ready, and a thread that never ticks is not ready 10 s on.
        condition.withLock {
            running = true
            lastTick = Date()
        }
        let name = controller.options.threadName + "-hk"
        // The thread holds the controller until its loop ends (after `stop`): a controller released right after
        // `stop` must not be freed under a probe still in flight.
        let t = Thread { [self, controller] in
            nameThisThread(name)
            withExtendedLifetime(controller) { loop() }
        }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
    }

    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    /// Claim now instead of at the next poll.
    func poke() {
        condition.withLock {
            poked = true
            condition.signal()
        }
    }

    /// Running and ticked recently.
    var isAlive: Bool {
        condition.withLock { running && !stopping && Date().timeIntervalSince(lastTick) < 10 }
    }

    private func loop() {
        let o = controller.options
        let inboxEvery = o.inboxPoll.seconds, claimEvery = o.claimPoll.seconds, renewEvery = o.leaseTTL.seconds / 3
        var inboxSeen: Int64 = (try? controller.store.latestInboxID()) ?? 0
        var nextInbox = Date(), nextClaim = Date(), nextRenew = Date().addingTimeInterval(renewEvery)
        var claimRound = 0
        while true {
            let claimNow: Bool = condition.withLock {
                lastTick = Date()
                defer { poked = false }
                return poked
            }
            if condition.withLock({ stopping }) { break }
            let now = Date()
            if now >= nextInbox {
                inboxSeen = probeInbox(after: inboxSeen)
                nextInbox = now.addingTimeInterval(inboxEvery)
            }
            if now >= nextRenew {
                renewLeases()
                nextRenew = now.addingTimeInterval(renewEvery)
            }
            if o.claimsRuns, claimNow || now >= nextClaim {
                claim(includingDeadOwners: claimRound % 10 == 0)
                claimRound += 1
                nextClaim = now.addingTimeInterval(claimEvery)
            }
            let next = o.claimsRuns ? min(nextInbox, nextRenew, nextClaim) : min(nextInbox, nextRenew)
            condition.withLock {
                if !stopping && !poked { _ = condition.wait(until: next) }
            }
        }
        condition.withLock { running = false }
    }

    /// Queues the runs with new inbox messages; returns the highest inbox id seen.
    private func probeInbox(after seen: Int64) -> Int64 {
        do {
            let latest = try controller.store.latestInboxID()
            guard latest > seen else { return seen }
            let (runs, _) = try controller.store.inboxRuns(after: seen)
            for id in runs {
                if let slot = controller.slots.withLock({ $0[id] }) {
                    slot.noteInboxNews()
                    controller.queue.add(id)
                } else if controller.options.claimsRuns {
                    poke()  // an abort or signal for a run nobody drives: claim it
                }
            }
            return latest
        } catch {
            controller.metrics.add(.inboxErrors)
            controller.logger.error("inbox probe failed", metadata: ["error": "\(error)"])
            return seen
        }
    }

    /// Renews every lease this controller holds; a run whose lease went elsewhere stops being driven here.
    private func renewLeases() {
        let owned = Set(controller.slots.withLock { Array($0.keys) })
        guard !owned.isEmpty else { return }
        do {
            let held = try controller.store.renewAll(owner: controller.options.owner.name, ttl: controller.options.leaseTTL)
            // A slot not loaded yet has not claimed its lease; it claims on its first reconcile. A run that just ended
            // released its lease before its slot went: no lease at all is not a lease lost, only one another owner
            // holds is.
            let me = controller.options.owner.name
            for id in owned where !held.contains(id) && (controller.slots.withLock { $0[id]?.claimed } ?? false) {
                guard let lease = try controller.store.lease(runID: id), lease.owner != me else { continue }
                controller.metrics.add(.leasesLost)
                controller.logger.warning("lease lost; another controller drives the run now", metadata: ["run": "\(id)"])
                controller.dropSlot(id)
                controller.ends.finish(id, .failure(ControllerError.leaseLost(run: id)))
            }
        } catch {
            controller.metrics.add(.leaseRenewErrors)
            controller.logger.error("lease renewal failed; retrying at the next round", metadata: ["error": "\(error)"])
        }
    }

    /// The scheduler: unfinished runs nobody holds (or whose holder died) become ours.
    private func claim(includingDeadOwners: Bool) {
        do {
            // Only runs of this controller's backend: another backend's attempts are not ours to adopt.
            let backend = controller.backend.name
            var ids = try controller.store.claimableRuns(now: Date(), limit: 1000, backend: backend)
            if includingDeadOwners {
                let me = controller.options.owner.name
                ids += try controller.store.leasesOfUnfinishedRuns()
                    .filter { $0.owner != me && LeaseOwner($0.owner).isDeadLocalProcess }.map(\.runID)
                    .filter { try controller.store.backend(ofRun: $0) == backend }
            }
            for id in ids where controller.slots.withLock({ $0[id] == nil }) {
                controller.adoptSlot(id)
                controller.queue.add(id)
            }
        } catch {
            controller.metrics.add(.claimErrors)
            controller.logger.error("looking for runs to claim failed", metadata: ["error": "\(error)"])
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
