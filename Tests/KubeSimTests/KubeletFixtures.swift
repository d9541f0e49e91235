import Foundation
import SluiceKube
@testable import KubeSim

/// Pods and helpers shared by the kubelet and controller tests.
enum KubeletFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func pod(_ name: String = "job-1", namespace: String = "default", restartPolicy: String = "Never",
                    annotations: [String: String] = [:], containers: [JSONValue]? = nil,
                    labels: [String: String] = [:]) -> JSONObject {
        var meta: JSONObject = ["name": .string(name), "namespace": .string(namespace), "uid": .string("uid-\(name)")]
        if !labels.isEmpty { meta["labels"] = .object(JSONObject(labels.map { ($0.key, JSONValue.string($0.value)) })) }
        if !annotations.isEmpty {
            meta["annotations"] = .object(JSONObject(annotations.map { (PodScript.prefix + $0.key, JSONValue.string($0.value)) }))
        }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": .object(meta),
            "spec": [
                "restartPolicy": .string(restartPolicy),
                "containers": .array(containers ?? [["name": "main", "image": "busybox"]]),
            ],
        ]
    }

    /// Lets `kubelet` see every pod at `t0`, then catch up to `t0 + seconds` (Running by default timings).
    static func advance(_ kubelet: Kubelet, to seconds: Double = 1) async {
        await kubelet.reconcileAll(now: t0)
        await kubelet.reconcileAll(now: t0.addingTimeInterval(seconds))
    }

    static func lifecycle(_ pod: JSONObject) -> PodLifecycle {
        var problems: [String] = []
        let script = PodScript(pod: pod, problems: &problems)
        return PodLifecycle(pod: pod, script: script, node: SimulatedNode(), podIP: "10.244.0.7", firstSeen: t0)
    }

    /// The container status of the first container.
    static func container(_ stage: PodStage) -> JSONValue? { stage.status["containerStatuses"]?.arrayValue?.first }

    static func condition(_ stage: PodStage, _ type: String) -> JSONValue? {
        stage.status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }
}

extension JSONObject {
    init(_ pairs: [(String, JSONValue)]) {
        self.init()
        for (key, value) in pairs.sorted(by: { $0.0 < $1.0 }) { self[key] = value }
    }
}
