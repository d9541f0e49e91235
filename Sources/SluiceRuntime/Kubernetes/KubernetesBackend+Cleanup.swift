import Foundation
import Synchronization
import SluiceEngine
import SluiceKube
import SluiceModel

/// Copying logs into the store, deleting finished pods after the delay, and adopting pods after a restart.
extension KubernetesBackend {
    /// Deletes the finished pod `after` from now, its log copied first (at once, so a restart in between
    /// loses nothing).
    func scheduleDeletion(_ name: String, folder: AttemptFolder, after: Duration, logsGone: Bool = false) {
        cleaning { [weak self] in
            guard let self else { return }
            if !logsGone { await self.copyLogs(name, folder) } else { await self.stopFollowing(name) }
            if after <= .zero {
                await self.deletePod(name)
                _ = self.state.withLock { $0.deletions.removeValue(forKey: name) }
            } else {
                let due = ContinuousClock.now + after
                self.state.withLock { $0.deletions[name] = due }
            }
        }
    }

    /// Runs `body` (a log copy, a deletion) in the background, counted until it is done, so `finishCleanup`
    /// can wait for it.
    func cleaning(_ body: @escaping @Sendable () async -> Void) {
        state.withLock { $0.cleanups += 1 }
        Task.detached { [weak self] in
            await body()
            self?.state.withLock { $0.cleanups -= 1 }
        }
    }

    /// Before the process exits (the end of `sluice run`): waits for the log copies and deletions under way,
    /// then deletes every finished pod still waiting for its delay (their logs are in the store already), so
    /// no pod outlives the process that would have deleted it. Gives up after `limit`; false when it did.
    public func finishCleanup(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.cleanups > 0 }) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let names = state.withLock { s -> [String] in
            defer { s.deletions.removeAll() }
            return Array(s.deletions.keys).sorted()
        }
        await withTaskGroup(of: Void.self) { group in
            for name in names { group.addTask { [weak self] in await self?.deletePod(name) } }
        }
        return true
    }

    /// Deletes the pods whose delay has passed (called from the tick loop).
    func runDueDeletions(_ now: ContinuousClock.Instant) {
        let due = state.withLock { s -> [String] in
            let names = s.deletions.filter { $0.value <= now }.map(\.key)
            for n in names { s.deletions[n] = nil }
            return names
        }
        for name in due { cleaning { [weak self] in await self?.deletePod(name) } }
    }

    /// A pod of this store that no attempt here follows: once its end is stored, it is deleted after the delay
    /// counted from its end (a pod a previous controller finished but did not delete yet).
    func untrackedPod(_ pod: JSONObject) {
        let meta = ObjectMeta(object: pod["metadata"]?.objectValue ?? JSONObject())
        guard let name = meta.name, meta.deletionTimestamp == nil, state.withLock({ $0.deletions[name] == nil }),
              let (runID, ref) = PodPlan.ref(metadata: meta) else { return }
        let folder = AttemptFolder(root: root, runID: runID, ref: ref)
        guard FileIO.exists(folder.podResult) else { return }
        var after = settings.deleteAfter
        if case .ended(let e) = PodVerdict.of(pod), let finished = e.finishedAt {
            let passed = Date().timeIntervalSince(finished)
            after = max(.zero, after - .milliseconds(Int64(passed * 1000)))
        }
        // Marks it scheduled at once, so the next update of the same pod does not schedule it again.
        state.withLock { $0.deletions[name] = ContinuousClock.now + after }
        scheduleDeletion(name, folder: folder, after: after)
    }

    /// After a restart: follows the run's pods that exist, re-reports ends stored before the restart, and
    /// reports as lost the attempts whose pod was created (their marker exists) but is gone.
    func adoptRun(_ runID: String) async -> Set<AttemptRef> {
        guard await Self.within(settings.adoptSyncWait, { [pods] in await pods.waitForSync() }) else {
            return adoptUnsynced(runID)
        }
        var found: Set<AttemptRef> = []
        var adopted: [JSONObject] = []
        for pod in pods.list() {
            let meta = ObjectMeta(object: pod["metadata"]?.objectValue ?? JSONObject())
            guard let name = meta.name, let (run, ref) = PodPlan.ref(metadata: meta), run == runID else { continue }
            let folder = AttemptFolder(root: root, runID: runID, ref: ref)
            found.insert(ref)
            if state.withLock({ $0.adopt(KubeAttempt(runID: runID, ref: ref, podName: name, folder: folder)) }) { adopted.append(pod) }
        }
        // Attempts with a marker but no pod: ended and stored (re-report), or vanished while nobody watched.
        for marker in markers(runID: runID) where !found.contains(marker.ref) {
            let folder = AttemptFolder(root: root, runID: runID, ref: marker.ref)
            found.insert(marker.ref)
            let o: Observation = StoredPodResult.read(folder)?.observation
                ?? .attemptLost(marker.ref, reason: "its pod \(marker.namespace)/\(marker.pod) vanished while the controller was down")
            Task.detached { [weak self] in self?.report(runID, o) }
        }
        for pod in adopted {
            // A stored end wins over the pod's state (it was reported before the restart).
            let meta = ObjectMeta(object: pod["metadata"]?.objectValue ?? JSONObject())
            if let name = meta.name, let a = state.withLock({ $0.attempts[name] }), let stored = StoredPodResult.read(a.folder) {
                ended(name) { _ in stored.observation }
                continue
            }
            Task.detached { [weak self] in self?.podChanged(pod) }
        }
        return found
    }

    /// The pod markers of a run's attempt folders.
    func markers(runID: String) -> [PodMarker] {
        let run = AttemptFolder.runFolder(root: root, runID: runID)
        var out: [PodMarker] = []
        for node in FileIO.entries(run) {
            for attempt in FileIO.entries(run + "/" + node) {
                if let m = PodMarker.read(run + "/" + node + "/" + attempt + "/pod.json"), m.runID == runID { out.append(m) }
            }
        }
        return out
    }

    /// The API server has not answered the pod list in time: every attempt with a marker is kept as created
    /// (so none is started twice) and checked against the pods once the list arrives.
    func adoptUnsynced(_ runID: String) -> Set<AttemptRef> {
        logger.warning("the pod list did not arrive in time; adopting run \(runID)'s attempts by their markers")
        var found: Set<AttemptRef> = []
        var names: [String] = []
        for marker in markers(runID: runID) {
            let folder = AttemptFolder(root: root, runID: runID, ref: marker.ref)
            found.insert(marker.ref)
            if let stored = StoredPodResult.read(folder) {
                Task.detached { [weak self] in self?.report(runID, stored.observation) }
                continue
            }
            if state.withLock({ $0.adopt(KubeAttempt(runID: runID, ref: marker.ref, podName: marker.pod, folder: folder)) }) {
                names.append(marker.pod)
            }
        }
        Task.detached { [weak self, pods] in
            await pods.waitForSync()
            guard let self else { return }
            for name in names {
                if let pod = pods.get(namespace: self.namespace, name: name) {
                    self.podChanged(pod)
                } else {
                    self.finish(name, delete: nil) { a in
                        .attemptLost(a.ref, reason: "its pod \(self.namespace)/\(name) vanished while the controller was down")
                    }
                }
            }
        }
        return found
    }

    /// Whether `body` finished within `limit`; `body` may go on after (it need not be cancellable).
    static func within(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        let answer = OnceAnswer()
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            answer.set(c)
            Task.detached { await body(); answer.give(true) }
            Task.detached { try? await Task.sleep(for: limit); answer.give(false) }
        }
    }
}

/// A continuation resumed by whichever answer comes first.
final class OnceAnswer: Sendable {
    private let waiter = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    func set(_ c: CheckedContinuation<Bool, Never>) { waiter.withLock { $0 = c } }
    func give(_ value: Bool) { waiter.withLock { w in defer { w = nil }; return w }?.resume(returning: value) }
}
