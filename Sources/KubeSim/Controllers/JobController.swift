import Foundation
import SluiceKube

/// The Job controller (pkg/controller/job): keeps `parallelism` pods running until `completions` have
/// succeeded, replaces failed pods until more than `backoffLimit` have failed, enforces the Job's
/// `activeDeadlineSeconds`, and writes the status and conditions kubectl and clients read.
///
/// Level-triggered like the deployment controller: `reconcile` reads the Job and its pods and acts.
public actor JobController: PodOwnerController {
    static let owner = SimResource.jobs
    public nonisolated let store: ObjectStore
    let clock: SimClock
    let events: EventRecorder
    /// Deadlines to come back for, by job key.
    var wakeups: [String: Task<Void, Never>] = [:]

    static let user = "system:serviceaccount:kube-system:job-controller"

    public init(store: ObjectStore, clock: SimClock = SystemSimClock()) {
        self.store = store
        self.clock = clock
        events = EventRecorder(store: store, host: "")
    }

    public func run() async throws {
        defer { for task in wakeups.values { task.cancel() } }
        try await follow()
    }

    /// Brings one Job's pods and status up to date.
    public func reconcile(namespace: String, name: String) {
        guard let stored = store.get(.jobs, namespace: namespace, name: name), let uid = stored.uid else { return }
        let job = stored.object
        if job.metadataString("deletionTimestamp") != nil { return }
        let now = clock.now()
        let pods = store.list(.pods, namespace: namespace).items.map(\.object).filter { DeploymentController.isOwned($0, by: uid) }
        var counts = JobCounts(pods)
        var status = job["status"]?.objectValue ?? JSONObject()
        if JobStatusDocument.finished(status) { return }
        let spec = job["spec"]
        let completions = spec?["completions"]?.intValue.map(Int.init)
        let parallelism = Int(spec?["parallelism"]?.intValue ?? 1)
        let backoffLimit = Int(spec?["backoffLimit"]?.intValue ?? 6)
        let suspended = spec?["suspend"]?.boolValue ?? false
        if status["startTime"] == nil, !suspended { status["startTime"] = KubeTime.json(now) }
        let started = status["startTime"]?.stringValue.flatMap(KubeTime.parse)

        var failure: (reason: String, message: String)?
        if counts.failed > backoffLimit {
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        } else if let seconds = spec?["activeDeadlineSeconds"]?.intValue, let started {
            let deadline = started.addingTimeInterval(Double(seconds))
            if now >= deadline {
                failure = ("DeadlineExceeded", "Job was active longer than specified deadline")
            } else {
                wake(namespace: namespace, name: name, at: deadline)
            }
        }
        if let failure {
            for pod in counts.activePods { delete(pod, job: job, now: now) }
            counts.active = 0
            status = JobStatusDocument.failed(status, counts: counts, reason: failure.reason, message: failure.message, now: now)
            events.record(SimEvent("Warning", reason: failure.reason, message: failure.message, component: "job-controller"),
                          about: job, at: now)
        } else if let completions, counts.succeeded >= completions || (completions == 0) {
            status = JobStatusDocument.complete(status, counts: counts, now: now)
            events.record(SimEvent(reason: "Completed", message: "Job completed", component: "job-controller"), about: job, at: now)
        } else if completions == nil, counts.succeeded > 0, counts.active == 0 {
            // Work-queue Jobs: done when one pod succeeded and none is left running.
            status = JobStatusDocument.complete(status, counts: counts, now: now)
            events.record(SimEvent(reason: "Completed", message: "Job completed", component: "job-controller"), about: job, at: now)
        } else if !suspended {
            let remaining = completions.map { $0 - counts.succeeded } ?? parallelism
            let wanted = max(0, min(parallelism, remaining))
            for _ in counts.active..<max(counts.active, wanted) {
                if let pod = try? store.create(.pods, namespace: namespace, Self.pod(for: job), options: WriteOptions(user: Self.user)) {
                    counts.active += 1
                    events.record(SimEvent(reason: "SuccessfulCreate", message: "Created pod: \(pod.name)", component: "job-controller"),
                                  about: job, at: now)
                }
            }
            status = JobStatusDocument.running(status, counts: counts)
        }
        if status != job["status"]?.objectValue {
            _ = try? store.modify(.jobs, namespace: namespace, name: name, subresource: .status,
                                  options: WriteOptions(user: Self.user)) { $0["status"] = .object(status) }
        }
    }

    func delete(_ pod: JSONObject, job: JSONObject, now: Date) {
        guard let name = pod.metadataString("name") else { return }
        _ = try? store.delete(.pods, namespace: pod.metadataString("namespace"), name: name,
                              options: DeleteOptions(preconditionUID: pod.metadataString("uid"), write: WriteOptions(user: Self.user)))
        events.record(SimEvent(reason: "SuccessfulDelete", message: "Deleted pod: \(name)", component: "job-controller"), about: job, at: now)
    }

    /// Comes back at the Job's deadline.
    func wake(namespace: String, name: String, at deadline: Date) {
        let key = "\(namespace)/\(name)"
        guard wakeups[key] == nil else { return }
        let clock = self.clock
        wakeups[key] = Task { [weak self] in
            do { try await clock.sleep(until: deadline) } catch { return }
            await self?.woke(key, namespace: namespace, name: name)
        }
    }

    func woke(_ key: String, namespace: String, name: String) {
        wakeups[key] = nil
        reconcile(namespace: namespace, name: name)
    }

    /// A pod from the Job's template, named `<job>-<5 characters>` and owned by the Job.
    static func pod(for job: JSONObject) -> JSONObject {
        OwnedPod.make(from: job["spec"]?["template"]?.objectValue ?? JSONObject(), owner: job, apiVersion: "batch/v1", kind: "Job",
                      generateName: "\(job.metadataString("name") ?? "")-")
    }
}

/// A Job's pods, counted as the controller counts them.
struct JobCounts {
    var active: Int
    var ready: Int
    var succeeded: Int
    var failed: Int
    var activePods: [JSONObject]

    init(_ pods: [JSONObject]) {
        activePods = pods.filter(DeploymentController.isActive)
        active = activePods.count
        ready = activePods.filter(DeploymentController.isReady).count
        succeeded = pods.filter { $0["status"]?["phase"] == "Succeeded" }.count
        failed = pods.filter { $0["status"]?["phase"] == "Failed" }.count
    }
}

/// The Job status the controller writes (v1.30: counts, ready, terminating, uncountedTerminatedPods,
/// startTime, completionTime, and Complete or Failed conditions).
enum JobStatusDocument {
    static func finished(_ status: JSONObject) -> Bool {
        (status["conditions"]?.arrayValue ?? []).contains {
            ($0["type"] == "Complete" || $0["type"] == "Failed") && $0["status"] == "True"
        }
    }

    static func counted(_ status: JSONObject, _ counts: JobCounts) -> JSONObject {
        var s = status
        for (key, value) in [("active", counts.active), ("succeeded", counts.succeeded), ("failed", counts.failed)] {
            s[key] = value > 0 ? .int(Int64(value)) : nil
        }
        s["ready"] = .int(Int64(counts.ready))
        s["terminating"] = 0
        s["uncountedTerminatedPods"] = .object([:])
        return s
    }

    static func running(_ status: JSONObject, counts: JobCounts) -> JSONObject { counted(status, counts) }

    static func condition(_ type: String, reason: String?, message: String?, now: Date) -> JSONValue {
        var c: JSONObject = ["type": .string(type), "status": "True", "lastProbeTime": KubeTime.json(now),
                             "lastTransitionTime": KubeTime.json(now)]
        if let reason { c["reason"] = .string(reason) }
        if let message { c["message"] = .string(message) }
        return .object(c)
    }

    static func complete(_ status: JSONObject, counts: JobCounts, now: Date) -> JSONObject {
        var s = counted(status, counts)
        s["active"] = nil
        s["ready"] = 0
        s["completionTime"] = KubeTime.json(now)
        s["conditions"] = .array((s["conditions"]?.arrayValue ?? []) + [condition("Complete", reason: nil, message: nil, now: now)])
        return s
    }

    static func failed(_ status: JSONObject, counts: JobCounts, reason: String, message: String, now: Date) -> JSONObject {
        var s = counted(status, counts)
        s["ready"] = 0
        s["conditions"] = .array((s["conditions"]?.arrayValue ?? []) + [condition("Failed", reason: reason, message: message, now: now)])
        return s
    }
}
