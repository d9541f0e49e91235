import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// batch/v1 Jobs: defaults and generated selector (pkg/apis/batch/v1/defaults.go, the job strategy),
/// validation, and the controller's pods, status and conditions (pkg/controller/job/job_controller.go).
struct ControllerJobTests {
    typealias F = KubeletFixtures

    static func job(_ name: String = "batch-1", completions: Int64? = 2, backoffLimit: Int64? = nil, restartPolicy: String = "Never",
                    annotations: [String: String] = [:], deadline: Int64? = nil) -> JSONObject {
        var spec: JSONObject = [:]
        if let completions { spec["completions"] = .int(completions) }
        if let backoffLimit { spec["backoffLimit"] = .int(backoffLimit) }
        if let deadline { spec["activeDeadlineSeconds"] = .int(deadline) }
        var meta = JSONObject()
        for (k, v) in annotations { meta["annotations"] = .object((meta["annotations"]?.objectValue ?? [:]).merging(PodScript.prefix + k, .string(v))) }
        spec["template"] = ["metadata": .object(meta),
                            "spec": ["restartPolicy": .string(restartPolicy), "containers": [["name": "main", "image": "busybox"]]]]
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name), "namespace": "default"], "spec": .object(spec)]
    }

    static func step(_ kubelet: Kubelet, _ jobs: JobController, to seconds: Double) async {
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(seconds))
        await jobs.reconcileAll()
    }

    static func condition(_ store: ObjectStore, _ type: String) -> JSONValue? {
        store.get(.jobs, namespace: "default", name: "batch-1")?.object["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    @Test func jobGetsDefaultsAndAGeneratedSelector() throws {
        let store = ObjectStore()
        let stored = try store.create(.jobs, namespace: "default", Self.job(completions: nil))
        let spec = stored.object["spec"]
        #expect(spec?["completions"] == 1 && spec?["parallelism"] == 1 && spec?["backoffLimit"] == 6)
        #expect(spec?["completionMode"] == "NonIndexed" && spec?["suspend"] == false)
        let uid = try #require(stored.uid)
        #expect(spec?["selector"]?["matchLabels"]?["batch.kubernetes.io/controller-uid"]?.stringValue == uid)
        #expect(spec?["template"]?["metadata"]?["labels"]?["batch.kubernetes.io/job-name"] == "batch-1")
        #expect(spec?["template"]?["metadata"]?["labels"]?["job-name"] == "batch-1")
        #expect(throws: SimStatusError.self) { try store.create(.jobs, namespace: "default", Self.job("always", restartPolicy: "Always")) }
        do {
            try store.create(.jobs, namespace: "default", Self.job("always", restartPolicy: "Always"))
        } catch {
            #expect(error.message == "Job.batch \"always\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"")
        }
    }

    @Test func jobRunsItsCompletionsOneAtATimeAndCompletes() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        let jobs = JobController(store: store)
        try store.create(.jobs, namespace: "default", Self.job())
        await jobs.reconcileAll()
        var pods = store.list(.pods, namespace: "default").items
        #expect(pods.count == 1)
        #expect(pods.first?.name.hasPrefix("batch-1-") == true && pods.first?.name.count == "batch-1-".count + 5)
        #expect(pods.first?.object["metadata"]?["ownerReferences"]?[0]?["kind"] == "Job")
        #expect(store.get(.jobs, namespace: "default", name: "batch-1")?.object["status"]?["active"] == 1)
        await kubelet.reconcileAll(now: F.t0)
        await Self.step(kubelet, jobs, to: 1)
        pods = store.list(.pods, namespace: "default").items
        #expect(pods.count == 2)
        await Self.step(kubelet, jobs, to: 1.001)
        await Self.step(kubelet, jobs, to: 2)
        let status = store.get(.jobs, namespace: "default", name: "batch-1")?.object["status"]
        #expect(status?["succeeded"] == 2 && status?["active"] == nil)
        #expect(Self.condition(store, "Complete")?["status"] == "True")
        #expect(status?["completionTime"] != nil && status?["startTime"] != nil)
        let reasons = store.list(.events, namespace: "default").items.filter { $0.object["involvedObject"]?["kind"] == "Job" }
            .sorted { $0.resourceVersion < $1.resourceVersion }.compactMap { $0.object["reason"]?.stringValue }
        #expect(reasons == ["SuccessfulCreate", "SuccessfulCreate", "Completed"])
    }

    @Test func failingPodsBeyondTheBackoffLimitFailTheJob() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        let jobs = JobController(store: store)
        try store.create(.jobs, namespace: "default", Self.job(completions: 1, backoffLimit: 1, annotations: ["exit-code": "1"]))
        await jobs.reconcileAll()
        for t in [0.0, 1, 1.001, 2, 2.001] { await Self.step(kubelet, jobs, to: t) }
        let failed = try #require(Self.condition(store, "Failed"))
        #expect(failed["reason"] == "BackoffLimitExceeded")
        #expect(failed["message"] == "Job has reached the specified backoff limit")
        #expect(store.get(.jobs, namespace: "default", name: "batch-1")?.object["status"]?["failed"] == 2)
        #expect(store.list(.pods, namespace: "default").items.count == 2)
    }

    @Test func jobPastItsDeadlineFailsAndItsPodsAreDeleted() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let jobs = JobController(store: store, clock: FixedClock(F.t0.addingTimeInterval(-10)))
        try store.create(.jobs, namespace: "default", Self.job(deadline: 5))
        await jobs.reconcileAll()
        #expect(store.list(.pods, namespace: "default").items.count == 1)
        let later = JobController(store: store, clock: FixedClock(F.t0))
        await later.reconcileAll()
        let failed = try #require(Self.condition(store, "Failed"))
        #expect(failed["reason"] == "DeadlineExceeded" && failed["message"] == "Job was active longer than specified deadline")
    }
}

/// A clock that stays at one time.
struct FixedClock: SimClock {
    let time: Date
    init(_ time: Date) { self.time = time }
    func now() -> Date { time }
    func sleep(until deadline: Date) async throws { try await Task.sleep(for: .seconds(3600)) }
}

extension JSONObject {
    func merging(_ key: String, _ value: JSONValue) -> JSONObject {
        var copy = self
        copy[key] = value
        return copy
    }
}
