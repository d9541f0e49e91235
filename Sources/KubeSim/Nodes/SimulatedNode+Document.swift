import Foundation
import SluiceKube

/// The Node object a simulated node registers, as a v1.30 kubelet writes it.
extension SimulatedNode {
    /// Every node's labels: the well-known ones a kubelet sets, then the configured ones.
    public var allLabels: [String: String] {
        var all = ["kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                   "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"]
        for (key, value) in labels { all[key] = value }
        return all
    }

    /// The Node object: labels, taints, capacity and allocatable, Ready and pressure conditions, addresses.
    public func document(createdAt: Date) -> JSONObject {
        let stamp = KubeTime.json(createdAt)
        // Condition types, reasons and messages as pkg/kubelet/nodestatus/setters.go writes them.
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            ["type": .string(type), "status": .string(status), "lastHeartbeatTime": stamp, "lastTransitionTime": stamp,
             "reason": .string(reason), "message": .string(message)]
        }
        var resources = JSONObject()
        for key in capacity.keys.sorted() { resources[key] = .string(capacity[key] ?? "0") }
        var spec = JSONObject()
        if !taints.isEmpty { spec["taints"] = .array(taints.map(\.json)) }
        var labelObject = JSONObject()
        for (key, value) in allLabels.sorted(by: { $0.key < $1.key }) { labelObject[key] = .string(value) }
        let machine = StableID.hex("machine:\(name)", count: 32)
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": .object(labelObject),
                         "annotations": ["node.alpha.kubernetes.io/ttl": "0",
                                         "volumes.kubernetes.io/controller-managed-attach-detach": "true"]],
            "spec": .object(spec),
            "status": [
                "capacity": .object(resources),
                "allocatable": .object(resources),
                "conditions": [
                    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ],
                "addresses": [["type": "InternalIP", "address": .string(hostIP)], ["type": "Hostname", "address": .string(name)]],
                "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
                "nodeInfo": [
                    "machineID": .string(machine), "systemUUID": .string(machine), "bootID": .string(StableID.hex("boot:\(name)", count: 32)),
                    "kernelVersion": "6.1.0-kubesim", "osImage": "KubeSim simulated node",
                    "containerRuntimeVersion": "containerd://1.7.13", "kubeletVersion": "v1.30.0",
                    "kubeProxyVersion": "v1.30.0", "operatingSystem": "linux", "architecture": "amd64",
                ],
            ],
        ]
    }

    /// A simulated node read back from a stored Node object (labels and taints may have been changed
    /// with `kubectl label` / `kubectl taint`).
    init(node: JSONObject) {
        let name = node["metadata"]?["name"]?.stringValue ?? ""
        let address = node["status"]?["addresses"]?.arrayValue?.first { $0["type"]?.stringValue == "InternalIP" }?["address"]?.stringValue
        var labels: [String: String] = [:]
        for (key, value) in node["metadata"]?["labels"]?.objectValue ?? JSONObject() { labels[key] = value.stringValue ?? "" }
        var capacity: [String: String] = [:]
        for (key, value) in node["status"]?["allocatable"]?.objectValue ?? JSONObject() { capacity[key] = value.stringValue ?? "" }
        self.init(name: name, hostIP: address ?? "172.18.0.2", labels: labels, taints: NodeTaint.of(node["spec"]?["taints"]),
                  capacity: capacity)
        unschedulable = node["spec"]?["unschedulable"]?.boolValue ?? false
    }
}
