#if os(Linux)
import Foundation
import Synchronization

/// A rolling update of one app: the replicas of the new spec start one at a time, and after each is healthy one
/// replica of the old spec is drained (taken out of the rotation, its open requests finished) and stopped. Both
/// are routed to meanwhile. A new replica that never gets healthy holds the update where it is: the old replicas
/// left keep serving until the app is deployed again, stopped or deleted.
final class AppRollout: Sendable {
    let old: AppSupervisor
    let new: AppSupervisor
    /// The replicas of the new spec it brings up; `looping` until each has replaced an old one.
    private let target: Mutex<(replicas: Int, looping: Bool)>
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// An update replacing `old` by `new` running `replicas` replicas.
    init(from old: AppSupervisor, to new: AppSupervisor, replicas: Int) {
        self.old = old
        self.new = new
        target = Mutex((replicas, true))
    }

    /// Sets how many replicas of the new spec the update brings up (a deploy of the same spec meanwhile): the update
    /// goes on one replica at a time towards it; new replicas above it stop.
    func retarget(_ replicas: Int) {
        let looping = target.withLock { t in
            t.replicas = replicas
            return t.looping
        }
        if !looping || new.desired > replicas { new.scale(to: replicas) }
    }

    /// Starts it; `done` runs once every old replica is stopped.
    func start(done: @escaping @Sendable () -> Void) {
        let old = self.old, new = self.new
        let task = Task.detached { [self] in
            let drainTimeout = old.spec.requestTimeout.seconds
            var index = 0
            while self.target.withLock({ t in
                t.looping = index < t.replicas
                return t.looping
            }) {
                new.scale(to: max(new.desired, index + 1))
                guard await new.waitHealthy(index) else { return }
                await old.drainOne(timeout: drainTimeout)
                index += 1
            }
            while old.desired > 0 && !Task.isCancelled { await old.drainOne(timeout: drainTimeout) }
            guard !Task.isCancelled else { return }
            await old.stop()
            done()
        }
        self.task.withLock { $0 = task }
    }

    /// Ends the update where it is (a later deploy, a stop, a delete) and stops the old replicas left.
    func cancel() async {
        await stopTask()
        await old.stop()
    }

    /// Gives the update up (its new replicas never got healthy): the new replicas stop, the old ones stay.
    func abandon() async {
        await stopTask()
        old.undrain()
        await new.stop()
    }

    private func stopTask() async {
        guard let task = task.withLock({ $0 }) else { return }
        task.cancel()
        await task.value
    }
}

extension AppSupervisor {
    /// Waits until replica `index` is healthy, or no longer wanted (scaled below it); false when the task is
    /// cancelled first.
    func waitHealthy(_ index: Int) async -> Bool {
        while !isHealthy(index) && index < desired {
            do { try await clockSleep(0.05) } catch { return false }
        }
        return true
    }
}
#endif
