import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// kube-scheduler's filters and FitError messages, case by case. Expected messages follow
/// pkg/scheduler/framework/types.go (FitError.Error: "0/N nodes are available: " + sorted "count reason"
/// histogram + "."), the plugins' reason strings (noderesources/fit.go "Insufficient %v" and "Too many pods";
/// nodeaffinity ErrReasonPod; tainttoleration "node(s) had untolerated taint {%s: %s}";
/// nodeunschedulable ErrReasonUnschedulable) and DefaultPreemption's PostFilter message
/// ("preemption: " + a FitError over "Preemption is not helpful for scheduling" for
/// UnschedulableAndUnresolvable nodes and "No preemption victims found for incoming pod" for the others).
struct SchedulerTests {
    static func pod(requests: JSONObject = [:], limits: JSONObject = [:], spec: JSONObject = [:]) -> JSONObject {
        var resources = JSONObject()
        if !requests.isEmpty { resources["requests"] = .object(requests) }
        if !limits.isEmpty { resources["limits"] = .object(limits) }
        var podSpec: JSONObject = ["containers": [["name": "main", "image": "busybox", "resources": .object(resources)]]]
        for (key, value) in spec { podSpec[key] = value }
        return ["metadata": ["name": "p", "namespace": "default"], "spec": .object(podSpec)]
    }

    static let cpuNodes = [SimulatedNode(name: "cpu-1", labels: ["zone": "a"]), SimulatedNode(name: "cpu-2", labels: ["zone": "a"])]
    static let gpuNode = SimulatedNode(name: "gpu-1", labels: ["accelerator": "a100", "generation": "8"],
                                       capacity: ["cpu": "16", "memory": "64Gi", "pods": "110", "nvidia.com/gpu": "4"])

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let pod: JSONObject
        let nodes: [SimulatedNode]
        var used: [String: ResourceAmounts] = [:]
        /// The node it binds to, or the FitError message.
        let expected: Either
        var testDescription: String { name }
    }

    enum Either: Sendable, Equatable {
        case node(String)
        case message(String)
        case gated
    }

    static let cases: [Case] = [
        Case(name: "a small pod binds to the only node", pod: pod(requests: ["cpu": "500m"]), nodes: [SimulatedNode()],
             expected: .node("kubesim-node-1")),
        Case(name: "the issue's example: 64 GPUs with a selector only the GPU node has",
             pod: pod(limits: ["nvidia.com/gpu": "64"], spec: ["nodeSelector": ["accelerator": "a100"]]),
             nodes: cpuNodes + [gpuNode],
             expected: .message("0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector. "
                                + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
                                + "2 Preemption is not helpful for scheduling.")),
        Case(name: "cpu and memory both short are both counted", pod: pod(requests: ["cpu": "8", "memory": "32Gi"]),
             nodes: [SimulatedNode()],
             expected: .message("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. "
                                + "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")),
        Case(name: "requests default from limits", pod: pod(limits: ["cpu": "5"]), nodes: [SimulatedNode()],
             expected: .message("0/1 nodes are available: 1 Insufficient cpu. "
                                + "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")),
        Case(name: "what bound pods use is taken off allocatable", pod: pod(requests: ["cpu": "2"]), nodes: [SimulatedNode()],
             used: ["kubesim-node-1": ResourceAmounts(["cpu": 3000, "pods": 1000])],
             expected: .message("0/1 nodes are available: 1 Insufficient cpu. "
                                + "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")),
        Case(name: "a full node has too many pods", pod: pod(),
             nodes: [SimulatedNode(capacity: ["cpu": "4", "memory": "16Gi", "pods": "1"])],
             used: ["kubesim-node-1": ResourceAmounts(["pods": 1000])],
             expected: .message("0/1 nodes are available: 1 Too many pods. "
                                + "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")),
        Case(name: "an untolerated NoSchedule taint",
             pod: pod(), nodes: [SimulatedNode(taints: [NodeTaint(key: "nvidia.com/gpu", value: "present", effect: "NoSchedule")])],
             expected: .message("0/1 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}. "
                                + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")),
        Case(name: "an Exists toleration tolerates the taint",
             pod: pod(spec: ["tolerations": [["key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"]]]),
             nodes: [SimulatedNode(taints: [NodeTaint(key: "nvidia.com/gpu", value: "present", effect: "NoSchedule")])],
             expected: .node("kubesim-node-1")),
        Case(name: "an Equal toleration with another value does not",
             pod: pod(spec: ["tolerations": [["key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoExecute"]]]),
             nodes: [SimulatedNode(taints: [NodeTaint(key: "dedicated", value: "batch", effect: "NoExecute")])],
             expected: .message("0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: batch}. "
                                + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")),
        Case(name: "PreferNoSchedule never filters", pod: pod(),
             nodes: [SimulatedNode(taints: [NodeTaint(key: "soft", effect: "PreferNoSchedule")])], expected: .node("kubesim-node-1")),
        Case(name: "a cordoned node is unschedulable", pod: pod(),
             nodes: [{ var n = SimulatedNode(); n.unschedulable = true; return n }()],
             expected: .message("0/1 nodes are available: 1 node(s) were unschedulable. "
                                + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")),
        Case(name: "required affinity In picks the matching node", pod: pod(spec: affinity("accelerator", "In", ["a100", "h100"])),
             nodes: cpuNodes + [gpuNode], expected: .node("gpu-1")),
        Case(name: "NotIn keeps off the named value", pod: pod(spec: affinity("zone", "NotIn", ["a"])),
             nodes: cpuNodes + [gpuNode], expected: .node("gpu-1")),
        Case(name: "Exists needs the label", pod: pod(spec: affinity("accelerator", "Exists", [])),
             nodes: cpuNodes + [gpuNode], expected: .node("gpu-1")),
        Case(name: "DoesNotExist keeps off labelled nodes", pod: pod(spec: affinity("zone", "DoesNotExist", [])),
             nodes: cpuNodes + [gpuNode], expected: .node("gpu-1")),
        Case(name: "Gt compares integers", pod: pod(spec: affinity("generation", "Gt", ["7"])),
             nodes: cpuNodes + [gpuNode], expected: .node("gpu-1")),
        Case(name: "Lt that no node meets", pod: pod(spec: affinity("generation", "Lt", ["8"])), nodes: cpuNodes + [gpuNode],
             expected: .message("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
                                + "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")),
        Case(name: "matchFields on metadata.name", pod: pod(spec: ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
                 "nodeSelectorTerms": [["matchFields": [["key": "metadata.name", "operator": "In", "values": ["cpu-2"]]]]]]]]]),
             nodes: cpuNodes, expected: .node("cpu-2")),
        Case(name: "the least allocated node wins", pod: pod(requests: ["cpu": "1"]), nodes: cpuNodes,
             used: ["cpu-1": ResourceAmounts(["cpu": 2000, "pods": 1000])], expected: .node("cpu-2")),
        Case(name: "an init container's larger request counts", pod: pod(requests: ["cpu": "1"], spec: [
                 "initContainers": [["name": "init", "image": "busybox", "resources": ["requests": ["cpu": "5"]]]]]),
             nodes: [SimulatedNode()],
             expected: .message("0/1 nodes are available: 1 Insufficient cpu. "
                                + "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")),
        Case(name: "preemptionPolicy Never says so", pod: pod(requests: ["cpu": "8"], spec: ["preemptionPolicy": "Never"]),
             nodes: [SimulatedNode()],
             expected: .message("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.")),
        Case(name: "no nodes at all", pod: pod(), nodes: [], expected: .message("no nodes available to schedule pods")),
        Case(name: "scheduling gates hold the pod", pod: pod(spec: ["schedulingGates": [["name": "example.com/quota"]]]),
             nodes: [SimulatedNode()], expected: .gated),
    ]

    static func affinity(_ key: String, _ op: String, _ values: [String]) -> JSONObject {
        var requirement: JSONObject = ["key": .string(key), "operator": .string(op)]
        if !values.isEmpty { requirement["values"] = .array(values.map(JSONValue.string)) }
        return ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": [["matchExpressions": [.object(requirement)]]]]]]]
    }

    @Test(arguments: cases) func schedulerDecides(_ c: Case) {
        let decision = Scheduler.decide(c.pod, nodes: c.nodes, used: c.used)
        switch (decision, c.expected) {
        case (.bind(let node), .node(let name)): #expect(node.name == name)
        case (.unschedulable(let message), .message(let expected)): #expect(message == expected)
        case (.gated, .gated): break
        default: Issue.record("\(c.name): got \(decision), expected \(c.expected)")
        }
    }

    @Test func nodeFlagsParseResourcesLabelsAndTaints() throws {
        let node = try NodeConfig.parse(flag: "gpu-1,cpu=16,memory=64Gi,nvidia.com/gpu=4,label:accelerator=a100,taint:nvidia.com/gpu=present:NoSchedule",
                                        index: 1)
        #expect(node.name == "gpu-1" && node.hostIP == "172.18.0.3")
        #expect(node.capacity == ["cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "100Gi", "nvidia.com/gpu": "4"])
        #expect(node.labels == ["accelerator": "a100"])
        #expect(node.taints == [NodeTaint(key: "nvidia.com/gpu", value: "present", effect: "NoSchedule")])
        #expect(throws: NodeConfig.Problem.self) { try NodeConfig.parse(flag: "x,taint:k=v:Sometimes", index: 0) }
        #expect(throws: NodeConfig.Problem.self) { try NodeConfig.parse(flag: "x,cpu=lots", index: 0) }
        #expect(throws: NodeConfig.Problem.self) { try NodeConfig.parse(flag: "Bad_Name", index: 0) }
    }

    @Test func nodesFileReadsAJSONArray() throws {
        let path = NSTemporaryDirectory() + "kubesim-nodes-\(UUID().uuidString).json"
        try Data(#"[{"name":"gpu-a","capacity":{"nvidia.com/gpu":2,"cpu":"8"},"labels":{"pool":"gpu"},"taints":[{"key":"gpu","effect":"NoSchedule"}]}]"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let nodes = try NodeConfig.parse(file: path, firstIndex: 0)
        #expect(nodes.map(\.name) == ["gpu-a"])
        #expect(nodes[0].capacity["nvidia.com/gpu"] == "2" && nodes[0].capacity["cpu"] == "8" && nodes[0].capacity["memory"] == "16Gi")
        #expect(nodes[0].taints == [NodeTaint(key: "gpu", effect: "NoSchedule")])
    }

    /// A Node object as a v1.30 kubelet registers it (pkg/kubelet/nodestatus/setters.go), and read back.
    @Test func nodeDocumentRoundTrips() {
        let doc = Self.gpuNode.document(createdAt: KubeletFixtures.t0)
        #expect(doc["status"]?["allocatable"]?["nvidia.com/gpu"] == "4")
        #expect(doc["metadata"]?["labels"]?["kubernetes.io/hostname"] == "gpu-1")
        let ready = doc["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }
        #expect(ready?["reason"] == "KubeletReady" && ready?["message"] == "kubelet is posting ready status")
        let back = SimulatedNode(node: doc)
        #expect(back.capacity == Self.gpuNode.capacity && back.allLabels == Self.gpuNode.allLabels)
    }
}
