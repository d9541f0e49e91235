import SluiceKube

/// A pod as a real cluster stores it once it runs: managedFields, probes, volumes, env, tolerations and a
/// full status. About 4 KiB of compact JSON.
enum PodFixture {
    static func pod(index: Int, generation: Int, namespace: String = "bench") -> JSONObject {
        let name = Self.name(index: index)
        let started = "2026-11-25T19:\(String(format2(index % 60))):\(String(format2(generation % 60)))Z"
        let container: JSONValue = [
            "name": "main", "image": "registry.example.com/ml/trainer:2026.11.3",
            "command": ["/bin/sh", "-c"],
            "args": [.string("python -m trainer --epochs 10 --data /data/input --out /data/output --seed \(index)")],
            "env": [
                ["name": "SLUICE_RUN", "value": .string("run-\(index / 10)")],
                ["name": "SLUICE_NODE", "value": .string("task-\(index)")],
                ["name": "SLUICE_ATTEMPT", "value": "1"],
                ["name": "SLUICE_INPUTS", "value": "/sluice/inputs.json"],
                ["name": "POD_NAME", "valueFrom": ["fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.name"]]],
            ],
            "resources": ["limits": ["cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"],
                          "requests": ["cpu": "1500m", "memory": "4Gi", "nvidia.com/gpu": "1"]],
            "volumeMounts": [["name": "data", "mountPath": "/data"], ["name": "sluice", "mountPath": "/sluice", "readOnly": true],
                             ["name": "kube-api-access-x7k2p", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true]],
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "FallbackToLogsOnError",
            "imagePullPolicy": "IfNotPresent",
        ]
        return [
            "kind": "Pod", "apiVersion": "v1",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace),
                "uid": .string("4f0c2b7e-8d1a-4c1e-9b3a-\(String(100_000_000_000 + index))"),
                "resourceVersion": .string(String(1000 + index * 100 + generation)),
                "creationTimestamp": "2026-11-25T19:00:00Z",
                "labels": ["app.kubernetes.io/managed-by": "sluice", "sluice.dev/run": .string("run-\(index / 10)"),
                           "sluice.dev/node": .string("task-\(index)"), "sluice.dev/attempt": "1"],
                "annotations": ["sluice.dev/flow": "training-pipeline", "sluice.dev/flow-version": "7"],
                "ownerReferences": [["apiVersion": "v1", "kind": "ConfigMap", "name": .string("run-\(index / 10)"),
                                     "uid": "0b6c3c2e-1b9f-4a57-8d0e-3f1f5b7b9a11", "controller": true, "blockOwnerDeletion": true]],
                "managedFields": [
                    ["manager": "sluice", "operation": "Update", "apiVersion": "v1", "time": "2026-11-25T19:00:00Z", "fieldsType": "FieldsV1",
                     "fieldsV1": ["f:metadata": ["f:labels": [".": [:], "f:sluice.dev/run": [:], "f:sluice.dev/node": [:]]],
                                  "f:spec": ["f:containers": ["k:{\"name\":\"main\"}": [".": [:], "f:image": [:], "f:args": [:]]]]]],
                    ["manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": .string(started), "fieldsType": "FieldsV1",
                     "subresource": "status",
                     "fieldsV1": ["f:status": ["f:conditions": [:], "f:containerStatuses": [:], "f:phase": [:], "f:podIP": [:]]]],
                ],
            ],
            "spec": [
                "volumes": [["name": "data", "persistentVolumeClaim": ["claimName": "training-data"]],
                            ["name": "sluice", "configMap": ["name": .string("run-\(index / 10)"), "defaultMode": 420]],
                            ["name": "kube-api-access-x7k2p", "projected": ["defaultMode": 420, "sources": [
                                ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                                ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                                ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
                            ]]]],
                "containers": [container],
                "restartPolicy": "Never", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                "serviceAccountName": "sluice-task", "serviceAccount": "sluice-task",
                "nodeName": .string("gpu-node-\(index % 16)"), "securityContext": [:], "schedulerName": "default-scheduler",
                "tolerations": [["key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"],
                                ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300]],
                "priority": 0, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
            ],
            "status": [
                "phase": "Running",
                "conditions": [
                    ["type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(started)],
                    ["type": "Initialized", "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(started)],
                    ["type": "Ready", "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(started)],
                    ["type": "ContainersReady", "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(started)],
                    ["type": "PodScheduled", "status": "True", "lastProbeTime": nil, "lastTransitionTime": "2026-11-25T19:00:00Z"],
                ],
                "hostIP": .string("10.0.3.\(index % 250)"), "podIP": .string("10.244.\(index % 250).\(generation % 250)"),
                "podIPs": [["ip": .string("10.244.\(index % 250).\(generation % 250)")]],
                "startTime": "2026-11-25T19:00:00Z",
                "containerStatuses": [[
                    "name": "main", "state": ["running": ["startedAt": .string(started)]], "lastState": [:],
                    "ready": true, "restartCount": 0, "image": "registry.example.com/ml/trainer:2026.11.3",
                    "imageID": "registry.example.com/ml/trainer@sha256:9f2b6c1de0b7a1c4f3e2d5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80",
                    "containerID": .string("containerd://\(String(repeating: "ab", count: 31))\(format2(index % 100))"), "started": true,
                ]],
                "qosClass": "Burstable",
            ],
        ]
    }

    static func name(index: Int) -> String { "sluice-run-\(index / 10)-task-\(index)" }

    static func format2(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
}
