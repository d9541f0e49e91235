import Foundation
import SluiceKube

/// The node columns of `kubectl get nodes` (printNode in pkg/printers/internalversion/printers.go).
enum NodePrinter {
    typealias Column = ServerTable.Column

    static var printer: ([Column], ServerTable.Cells) {
        (
        [ServerTable.nameColumn,
         Column(name: "Status", description: "The status of the node"),
         Column(name: "Roles", description: "The roles of the node"),
         ServerTable.ageColumn,
         Column(name: "Version", description: "Kubelet Version reported by the node."),
         Column(name: "Internal-IP", description: "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", priority: 1),
         Column(name: "External-IP", description: "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", priority: 1),
         Column(name: "OS-Image", description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", priority: 1),
         Column(name: "Kernel-Version", description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1),
         Column(name: "Container-Runtime", description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", priority: 1)],
        { node, now in cells(node, now: now) })
    }

    static func cells(_ node: JSONObject, now: Date) -> [JSONValue] {
        var states: [String] = []
        for c in node["status"]?["conditions"]?.arrayValue ?? [] where c["type"] == "Ready" {
            states.append(c["status"] == "True" ? "Ready" : "NotReady")
        }
        if states.isEmpty { states = ["Unknown"] }
        if node["spec"]?["unschedulable"] == true { states.append("SchedulingDisabled") }
        var roles: [String] = []
        for (key, value) in node["metadata"]?["labels"]?.objectValue ?? JSONObject() {
            if key.hasPrefix("node-role.kubernetes.io/") { roles.append(String(key.dropFirst("node-role.kubernetes.io/".count))) }
            if key == "kubernetes.io/role", let role = value.stringValue { roles.append(role) }
        }
        let addresses = node["status"]?["addresses"]?.arrayValue ?? []
        func address(_ type: String) -> String {
            addresses.first { $0["type"]?.stringValue == type }?["address"]?.stringValue ?? "<none>"
        }
        let info = node["status"]?["nodeInfo"]
        return [ServerTable.name(node), .string(states.joined(separator: ",")),
                .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")), ServerTable.age(node, now: now),
                .string(info?["kubeletVersion"]?.stringValue ?? ""), .string(address("InternalIP")), .string(address("ExternalIP")),
                .string(info?["osImage"]?.stringValue ?? "<unknown>"), .string(info?["kernelVersion"]?.stringValue ?? "<unknown>"),
                .string(info?["containerRuntimeVersion"]?.stringValue ?? "<unknown>")]
    }
}
