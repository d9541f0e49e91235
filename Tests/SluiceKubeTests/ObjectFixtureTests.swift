import Foundation
import Testing

@testable import SluiceKube

/// Realistic documents shared by the object tests, as a 1.31 API server returns them.
enum ObjectFixture {
    static let runningPod = #"""
    {
      "kind": "Pod",
      "apiVersion": "v1",
      "metadata": {
        "name": "train-7f9c-0-a1",
        "generateName": "train-7f9c-0-",
        "namespace": "sluice",
        "uid": "9b2f3c1e-5d4a-4e8b-9c1d-2f3a4b5c6d7e",
        "resourceVersion": "184467",
        "generation": 1,
        "creationTimestamp": "2026-11-25T18:59:58Z",
        "labels": {"sluice.dev/run": "7f9c", "sluice.dev/node": "train", "app": "sluice"},
        "annotations": {"sluice.dev/attempt": "1"},
        "ownerReferences": [
          {"apiVersion": "v1", "kind": "ConfigMap", "name": "run-7f9c", "uid": "11111111-2222-3333-4444-555555555555",
           "controller": true, "blockOwnerDeletion": true}
        ],
        "finalizers": ["sluice.dev/attempt"],
        "managedFields": [
          {"manager": "sluice", "operation": "Update", "apiVersion": "v1", "time": "2026-11-25T18:59:58Z",
           "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}
        ]
      },
      "spec": {
        "volumes": [{"name": "kube-api-access-x1", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}], "defaultMode": 420}}],
        "containers": [
          {
            "name": "main",
            "image": "ghcr.io/acme/train:1.4.2",
            "command": ["python", "-m", "train"],
            "args": ["--epochs", "3"],
            "workingDir": "/work",
            "env": [
              {"name": "SLUICE_RUN", "value": "7f9c"},
              {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}
            ],
            "resources": {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "1500m", "memory": "3Gi", "nvidia.com/gpu": "1"}},
            "volumeMounts": [{"name": "kube-api-access-x1", "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "FallbackToLogsOnError",
            "imagePullPolicy": "IfNotPresent"
          }
        ],
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 30,
        "activeDeadlineSeconds": 3600,
        "dnsPolicy": "ClusterFirst",
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "serviceAccountName": "sluice-runner",
        "serviceAccount": "sluice-runner",
        "nodeName": "node-a3",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
        "priority": 0,
        "enableServiceLinks": true,
        "preemptionPolicy": "PreemptLowerPriority",
        "overhead": {"cpu": "250m", "memory": "120Mi"}
      },
      "status": {
        "phase": "Running",
        "conditions": [
          {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-25T19:00:01Z"},
          {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-25T18:59:58Z"},
          {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-25T19:00:02Z"},
          {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-11-25T18:59:58Z"}
        ],
        "hostIP": "10.0.3.7",
        "hostIPs": [{"ip": "10.0.3.7"}],
        "podIP": "10.244.3.18",
        "podIPs": [{"ip": "10.244.3.18"}],
        "startTime": "2026-11-25T18:59:58Z",
        "containerStatuses": [
          {
            "name": "main",
            "state": {"running": {"startedAt": "2026-11-25T19:00:01Z"}},
            "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "OOMKilled", "message": "killed", "startedAt": "2026-11-25T18:59:59Z", "finishedAt": "2026-11-25T19:00:00Z", "containerID": "containerd://aa"}},
            "ready": true,
            "restartCount": 1,
            "image": "ghcr.io/acme/train:1.4.2",
            "imageID": "ghcr.io/acme/train@sha256:0123456789abcdef",
            "containerID": "containerd://bb",
            "started": true
          }
        ],
        "qosClass": "Burstable"
      }
    }
    """#

    /// Parses `text`, failing the test on invalid JSON.
    static func document(_ text: String) throws -> JSONObject {
        try #require(try JSONValue.parse(text).objectValue)
    }

    /// The compact form of `text`: what a view must serialize to when nothing was set.
    static func compact(_ text: String) throws -> String {
        try JSONValue.parse(text).jsonText
    }

    /// The document's keys at `path` (e.g. ["spec"]), to check that order is kept.
    static func keys(_ document: JSONObject, _ path: String...) -> [String] {
        var value = JSONValue.object(document)
        for key in path { value = value[key] ?? .null }
        return value.objectValue?.keys ?? []
    }
}

extension Date {
    /// A UTC date from RFC 3339 text, for expectations.
    static func rfc3339(_ text: String) -> Date { RFC3339.parse(text)! }
}

extension JSONObject {
    /// The compact JSON text of this object (the contract serializes `JSONValue`s).
    var testJSON: String { JSONValue.object(self).jsonText }
}
