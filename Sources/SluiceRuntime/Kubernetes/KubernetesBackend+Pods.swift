import Foundation
import SluiceEngine
import SluiceKube
import SluiceModel

/// Creating pods within the limits, and turning pod changes into observations.
extension KubernetesBackend {
    /// Starts creating every waiting attempt that fits the limits, oldest first.
    func createWaiting() {
        let names = state.withLock { s -> [String] in
            var picked: [String] = []
            var i = 0
            while i < s.queue.count, s.alive < settings.maxPods {
                let name = s.queue[i]
                guard var a = s.attempts[name] else { s.queue.remove(at: i); continue }
                if s.alivePerRun[a.runID, default: 0] >= settings.maxPodsPerRun { i += 1; continue }
                s.queue.remove(at: i)
                a.creating = true
                s.attempts[name] = a
                s.alive += 1
                s.alivePerRun[a.runID, default: 0] += 1
                s.peakAlive = max(s.peakAlive, s.alive)
                picked.append(name)
            }
            return picked
        }
        for name in names { Task.detached { [weak self] in await self?.create(name) } }
    }

    /// Creates the attempt's Secret, then its pod. A pod that exists already (409) is adopted when it is
    /// this store's; a refusal of the API server ends the attempt with the server's message.
    func create(_ name: String) async {
        guard let a = state.withLock({ $0.attempts[name] }), let plan = a.plan else { return }
        do { try await createLimiter.acquire() } catch { return }
        if state.withLock({ $0.attempts[name]?.cancelled }) != false {
            return ended(name) { a in .attemptExited(a.ref, AttemptExit(exitCode: nil, killedByUs: true, detail: "cancelled before its pod was created")) }
        }
        var delay = Duration.milliseconds(100)
        for tryNumber in 1...Self.createTries {
            do {
                try await createObjects(name, a, plan)
                return
            } catch {
                // A create is idempotent by name (409 adopts), so what the server may not have done is tried again.
                let retriable = error.isTooManyRequests || (error.statusError?.code ?? 0) >= 500 || error.statusError == nil
                if !retriable || tryNumber == Self.createTries || state.withLock({ $0.attempts[name]?.cancelled }) != false {
                    return await refused(name, error)
                }
                logger.debug("creating pod \(name) failed (\(error)); trying again in \(delay)")
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Tries of one pod's create on server errors and throttling before the attempt counts as lost.
    static let createTries = 8

    private func createObjects(_ name: String, _ a: KubeAttempt, _ plan: PodPlan) async throws(KubeError) {
        do { _ = try await client.create(Self.secrets, namespace: namespace, plan.secret) } catch where error.isAlreadyExists {}
        do {
            trace?(.createSending(pod: name, at: .now))
            let created = try await client.create(.pods, namespace: namespace, plan.pod)
            noteCreated(name, uid: created["metadata"]?["uid"]?.stringValue)
        } catch where error.isAlreadyExists {
            let existing = try await client.get(.pods, namespace: namespace, name: name)
            let meta = ObjectMeta(object: existing["metadata"]?.objectValue ?? JSONObject())
            let labels = meta.labels
            guard labels[PodPlan.storeLabel] == settings.pod.storeID, PodPlan.ref(metadata: meta)?.ref == a.ref else {
                return ended(name) { a in
                    .attemptLost(a.ref, reason: "pod \(self.namespace)/\(name) exists and is not this attempt's (labels \(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))); another Sluice store uses the same run id in this namespace")
                }
            }
            noteCreated(name, uid: existing["metadata"]?["uid"]?.stringValue)
            podChanged(existing)
        }
    }

    func noteCreated(_ name: String, uid: String?) {
        let a = state.withLock { s -> KubeAttempt? in
            s.attempts[name]?.creating = false
            s.attempts[name]?.created = true
            s.attempts[name]?.plan = nil  // the pod document is not needed any more
            return s.attempts[name]
        }
        // Cancelled while its create was on the way (the delete then found nothing): delete it now.
        if let a, a.cancelled { cleaning { [weak self] in await self?.keepLogBeforeDeleting(name, a.folder); await self?.deletePod(name) } }
        // The Secret goes with its pod: Kubernetes' garbage collector deletes it when the pod is deleted.
        if let uid, let a {
            let owner: JSONValue = ["metadata": ["ownerReferences": [[
                "apiVersion": "v1", "kind": "Pod", "name": .string(name), "uid": .string(uid),
            ]]]]
            Task.detached { [client, namespace, logger] in
                do { _ = try await client.patch(Self.secrets, namespace: namespace, name: name, owner, as: .merge) } catch {
                    logger.debug("cannot give secret \(name) its owner: \(error)", metadata: ["run": "\(a.runID)"])
                }
            }
        }
    }

    /// The API server refused the Secret or the pod: the task's fault when the object is invalid, the
    /// cluster's otherwise (quota, permissions, the server unreachable after the client's retries).
    func refused(_ name: String, _ error: KubeError) async {
        let invalid = error.isInvalid || error.statusError?.code == 400
        let quota = error.isForbidden && (error.statusError?.message.contains("exceeded quota") ?? false)
        _ = try? await client.delete(Self.secrets, namespace: namespace, name: name)
        ended(name) { a in
            if invalid {
                return .attemptExited(a.ref, AttemptExit(exitCode: nil, userFailure: "the Kubernetes API server refused pod \(name): \(error)", permanent: true))
            }
            let why = quota ? "the namespace's resource quota is used up" : "the Kubernetes API server did not create pod \(name)"
            return .attemptLost(a.ref, reason: "\(why): \(error)")
        }
    }

    /// A pod was added or changed: report what it now means for its attempt.
    func podChanged(_ pod: JSONObject) {
        guard let name = pod["metadata"]?["name"]?.stringValue else { return }
        guard let tracked = state.withLock({ $0.attempts[name] }) else { return untrackedPod(pod) }
        var verdict = PodVerdict.of(pod)
        if let deletion = deletedBySomeoneElse(pod, tracked) {
            // While it stops its log is kept now; an end copies it anyway.
            switch verdict {
            case .ended, .lost: break
            default: deletionFirstSeen(name, tracked, deletion)
            }
            // A `kubectl delete pod` (or any deletion not ours): the container is stopped (SIGTERM: exit 143),
            // which is the cluster's doing, not the task's. Only a task that succeeded keeps its success.
            if case .ended(let e) = verdict, e.exitCode != 0 || e.oomKilled {
                verdict = .lost("was deleted by someone else before it finished (\(deletion); its task then exited with code \(e.exitCode))")
            }
        }
        if let trace, case .ended = verdict { trace(.podEnded(pod: name, at: .now)) }
        if let node = pod["spec"]?["nodeName"]?.stringValue, !node.isEmpty { recordNode(name, node) }
        enum Step { case none, note(KubeAttempt, String), started(KubeAttempt, Date?), end(PodVerdict.Ending), refuse(String), lose(String) }
        let now = ContinuousClock.now
        let step = state.withLock { s -> Step in
            guard var a = s.attempts[name], !a.ended else { return .none }
            if !a.created, !a.creating { return .none }
            defer { s.attempts[name] = a }
            switch verdict {
            case .pending(let note):
                a.unschedulableSince = nil
                // The ordinary steps of a start are not news; anything else pending (a config wait) is.
                guard let note, note != a.lastNote, !Self.ordinaryPending.contains(note) else { return .none }
                a.lastNote = note
                return .note(a, note)
            case .unschedulable(let why):
                if a.unschedulableSince == nil { a.unschedulableSince = now }
                let note = "unschedulable: \(why)"
                guard note != a.lastNote else { return .none }
                a.lastNote = note
                return .note(a, note)
            case .imagePull(let why):
                if a.pullFailingSince == nil { a.pullFailingSince = now }
                let note = "image does not pull: \(why)"
                guard note != a.lastNote else { return .none }
                a.lastNote = note
                return .note(a, note)
            case .refused(let why): return .refuse(why)
            case .running(let at):
                a.unschedulableSince = nil
                a.pullFailingSince = nil
                guard !a.started else { return .none }
                a.started = true
                return .started(a, at)
            case .ended(let e): return .end(e)
            case .lost(let why): return .lose(why)
            }
        }
        switch step {
        case .none: return
        case .note(let a, let note): report(a.runID, .progress(a.ref, Progress(message: note)))
        case .started(let a, let at):
            followLog(name, a.folder)
            // Pod times have whole seconds: they only stand in for ours when the start was not seen live.
            report(a.runID, .attemptStarted(a.ref, at: a.adopted ? at.map { StateCoding.timestamp($0) } : nil))
        case .end(let e): collect(name, e)
        case .refuse(let why):
            let image = PodVerdict.podContainer(pod, PodVerdict.taskContainer)?["image"]?.stringValue ?? "?"
            finish(name, delete: .zero) { a in
                .attemptExited(a.ref, AttemptExit(exitCode: nil, killedByUs: a.cancelled,
                                                  userFailure: "the kubelet refused the container (image \(image)): \(why)", permanent: true))
            }
        case .lose(let why):
            finish(name, delete: .zero) { a in
                a.cancelled ? .attemptExited(a.ref, AttemptExit(exitCode: nil, killedByUs: true, detail: why)) : .attemptLost(a.ref, reason: "pod \(name) \(why)")
            }
        }
    }

    /// Adds the node the scheduler chose to the attempt's `pod.json`, once, for the API's attempt details.
    func recordNode(_ name: String, _ node: String) {
        let marker = state.withLock { s -> PodMarker? in
            guard var a = s.attempts[name], a.node != node else { return nil }
            a.node = node
            s.attempts[name] = a
            return PodMarker(runID: a.runID, ref: a.ref, namespace: namespace, pod: name, node: node)
        }
        guard let marker, let folder = state.withLock({ $0.attempts[name]?.folder }) else { return }
        do { try FileIO.writeAtomically(folder.podMarker, marker.json) } catch {
            logger.debug("cannot record the node of pod \(name): \(error)")
        }
    }

    /// A pod disappeared from the API: the end of a cancelled attempt, or a loss when nobody here deleted it.
    func podDeleted(_ pod: JSONObject) {
        guard let name = pod["metadata"]?["name"]?.stringValue,
              let a = state.withLock({ $0.attempts[name] }), !a.ended, a.created else { return }
        // Its last state may say it finished just before it went: then that is its end (unless someone else
        // deleted it and stopped the task).
        if case .ended(let e) = PodVerdict.of(pod), a.cancelled || deletedBySomeoneElse(pod, a) == nil || (e.exitCode == 0 && !e.oomKilled) {
            return collect(name, e, logsGone: true)
        }
        finish(name, delete: nil) { a in
            a.cancelled ? .attemptExited(a.ref, AttemptExit(exitCode: nil, killedByUs: true, detail: "its pod was deleted"))
                : .attemptLost(a.ref, reason: "its pod \(name) was deleted by someone else before it finished")
        }
    }

    /// How someone else's deletion of the pod reads (its grace period), or nil when nobody but us deleted it.
    func deletedBySomeoneElse(_ pod: JSONObject, _ a: KubeAttempt) -> String? {
        let meta = ObjectMeta(object: pod["metadata"]?.objectValue ?? JSONObject())
        guard meta.deletionTimestamp != nil, !a.cancelled else { return nil }
        return meta.deletionGracePeriodSeconds.map { "grace period \($0)s" } ?? "deleted"
    }

    /// The first sight of someone else's deletion: shown as the attempt's progress, and its log kept now (best
    /// effort: a followed log goes on being written; otherwise what can still be read is copied).
    private func deletionFirstSeen(_ name: String, _ a: KubeAttempt, _ deletion: String) {
        let first = state.withLock { s -> Bool in
            guard var t = s.attempts[name], !t.ended, !t.deletionSeen else { return false }
            t.deletionSeen = true
            s.attempts[name] = t
            return true
        }
        guard first else { return }
        report(a.runID, .progress(a.ref, Progress(message: "pod \(name) is being deleted by someone else (\(deletion))")))
        cleaning { [weak self] in await self?.keepLogBeforeDeleting(name, a.folder) }
    }

    /// Stores the end (so a restart re-reports it), reports it, and schedules the pod's deletion `delete` from
    /// now (nil: never, it is gone), its log copied first unless `logsGone`.
    func finish(_ name: String, delete: Duration?, logsGone: Bool = false, _ observation: @escaping (KubeAttempt) -> Observation) {
        let folder = state.withLock { $0.attempts[name]?.folder }
        // Counted as cleanup from before the end is reported until its deletion is scheduled: `finishCleanup`
        // (the end of `sluice run`, which follows the report) must not miss it.
        state.withLock { $0.cleanups += 1 }
        defer { state.withLock { $0.cleanups -= 1 } }
        ended(name) { a in
            let o = observation(a)
            var record = StoredPodResult(runID: a.runID, ref: a.ref)
            switch o {
            case .attemptExited(_, let exit): record.exit = exit
            case .attemptLost(_, let reason): record.lost = reason
            default: break
            }
            do { try record.write(a.folder) } catch { logger.warning("cannot store the end of \(name): \(error)") }
            return o
        }
        if let delete, let folder { scheduleDeletion(name, folder: folder, after: delete, logsGone: logsGone) }
        else if delete == nil { cleaning { [weak self] in await self?.stopFollowing(name) } }
    }

    /// The task's container ended: outputs from the termination message, OOM, exit code. Success is reported
    /// at once (the next step does not wait for the log copy); a failure carries the log's last lines.
    func collect(_ name: String, _ e: PodVerdict.Ending, logsGone: Bool = false) {
        guard let a = state.withLock({ $0.attempts[name] }), !a.ended else { return }
        var outputs: String?
        var outputsError: String?
        if let m = e.message, !m.isEmpty {
            if m.utf8.count >= Self.terminationMessageLimit {
                outputsError = "the outputs are \(Self.terminationMessageLimit) bytes or more; on Kubernetes they travel in the pod's termination message, which holds at most 4 KiB (larger outputs need the blob store, which does not exist yet)"
            } else {
                outputs = m
            }
        }
        let exit = AttemptExit(exitCode: e.exitCode, signal: nil, killedByUs: a.cancelled, oomKilled: e.oomKilled,
                               outputsJSON: e.exitCode == 0 ? outputs : nil, outputsError: e.exitCode == 0 ? outputsError : nil,
                               detail: e.oomKilled ? "memory limit \(e.memoryLimit ?? "unknown")" : nil,
                               startedAt: a.adopted ? e.startedAt.map { StateCoding.timestamp($0) } : nil,
                               finishedAt: a.adopted ? e.finishedAt.map { StateCoding.timestamp($0) } : nil)
        if e.exitCode == 0 || e.oomKilled || logsGone {
            finish(name, delete: settings.deleteAfter, logsGone: logsGone) { _ in .attemptExited(a.ref, exit) }
            return
        }
        // A failure: its message is the log's tail, so copy the log first.
        cleaning { [weak self] in
            guard let self else { return }
            await self.copyLogs(name, a.folder)
            var failed = exit
            let tail = StderrTail.read(a.folder.stdout)
            failed.detail = [e.reason == "Error" ? nil : e.reason, tail].compactMap { $0 }.joined(separator: ": ")
            if failed.detail?.isEmpty == true { failed.detail = nil }
            self.finish(name, delete: self.settings.deleteAfter) { _ in .attemptExited(a.ref, failed) }
        }
    }

    /// Pending reasons every pod goes through (not shown as progress).
    static let ordinaryPending: Set<String> = ["ContainerCreating", "PodInitializing"]

    /// Kubernetes keeps at most this many bytes of a termination message.
    static let terminationMessageLimit = 4096

    /// Deletes the pod (and its Secret), with a grace period (cancel) or the cluster's default.
    func deletePod(_ name: String, gracePeriodSeconds: Int? = nil) async {
        do { _ = try await client.delete(.pods, namespace: namespace, name: name, gracePeriodSeconds: gracePeriodSeconds) } catch where error.isNotFound {} catch {
            logger.warning("cannot delete pod \(name): \(error)")
        }
        do { _ = try await client.delete(Self.secrets, namespace: namespace, name: name) } catch where error.isNotFound {} catch {
            logger.debug("cannot delete secret \(name): \(error)")
        }
    }

    /// A Kubernetes Event about a pod of a followed attempt: kept in the attempt's `events.log` (one JSON object a
    /// line, `PodEventLog`, shown by the API's attempt details); a warning
    /// (FailedScheduling, FailedMount, BackOff) is also shown as the attempt's progress: why is it pending?
    func eventSeen(_ event: JSONObject) {
        let e = Event(document: event)
        guard let name = e.involvedObject.name, let a = state.withLock({ $0.attempts[name] }), !a.ended else { return }
        let text = "\(e.type ?? "Normal") \(e.reason ?? "?"): \(e.message ?? "")"
        // Core v1 Events carry lastTimestamp; events.k8s.io-style ones only eventTime (already RFC 3339).
        let when = e.lastTimestamp.map(RunView.iso) ?? e.document["eventTime"]?.stringValue
        let line = PodEventLog.line(AttemptDetail.PodEvent(time: when, type: e.type ?? "Normal", reason: e.reason ?? "?",
                                                           message: e.message ?? "", count: e.count))
        if let h = FileHandle(forWritingAtPath: a.folder.events) ?? (FileManager.default.createFile(atPath: a.folder.events, contents: nil) ? FileHandle(forWritingAtPath: a.folder.events) : nil) {
            _ = try? h.seekToEnd()
            try? h.write(contentsOf: Data(line.utf8))
            try? h.close()
        }
        if e.type == "Warning" { report(a.runID, .progress(a.ref, Progress(message: text))) }
    }

    /// Every `settings.tick`: unschedulable and unpullable pods past their grace fail; waiting attempts get slots.
    func tickLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: settings.tick)
            let now = ContinuousClock.now
            let expired = state.withLock { s -> [(String, Bool, String)] in
                s.attempts.values.compactMap { a in
                    if let t = a.unschedulableSince, now - t >= settings.unschedulableGrace { return (a.podName, false, a.lastNote ?? "") }
                    if let t = a.pullFailingSince, now - t >= settings.imagePullGrace { return (a.podName, true, a.lastNote ?? "") }
                    return nil
                }
            }
            runDueDeletions(now)
            for (name, pull, note) in expired {
                if pull {
                    finish(name, delete: .zero) { a in
                        .attemptExited(a.ref, AttemptExit(exitCode: nil, userFailure: "\(note) (gave up after \(Self.describe(self.settings.imagePullGrace)))"))
                    }
                } else {
                    finish(name, delete: .zero) { a in
                        .attemptLost(a.ref, reason: "pod \(name) could not be scheduled for \(Self.describe(self.settings.unschedulableGrace)): \(note)")
                    }
                }
            }
            createWaiting()
        }
    }

    static func describe(_ d: Duration) -> String {
        DurationValue(milliseconds: Int64(d.components.seconds) * 1000 + Int64(d.components.attoseconds / 1_000_000_000_000_000)).description
    }
}
