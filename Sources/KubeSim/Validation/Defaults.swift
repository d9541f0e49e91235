import Foundation
import SluiceKube

/// The defaults the real server fills in, so stored objects look like a real cluster's.
enum Defaults {
    static func apply(_ type: SimResource, _ object: inout JSONObject, creating: Bool) {
        switch type {
        case .namespaces:
            if creating {
                object["spec"] = object["spec"] ?? ["finalizers": ["kubernetes"]]
                object["status"] = ["phase": "Active"]
            }
            var meta = object.metadata
            var labels = meta["labels"]?.objectValue ?? JSONObject()
            labels["kubernetes.io/metadata.name"] = meta["name"]
            meta["labels"] = .object(labels)
            object.metadata = meta
        case .pods:
            var spec = object["spec"]?.objectValue ?? JSONObject()
            podSpec(&spec)
            for list in ["initContainers", "containers"] {
                guard let containers = spec[list]?.arrayValue else { continue }
                spec[list] = .array(containers.map { value in
                    guard var c = value.objectValue else { return value }
                    c["resources"] = .object(requestsFromLimits(c["resources"]?.objectValue ?? JSONObject()))
                    return .object(c)
                })
            }
            object["spec"] = .object(spec)
            if creating {
                var status: JSONObject = ["phase": "Pending"]
                // pkg/registry/core/pod/strategy.go applySchedulingGatedCondition.
                if !(spec["schedulingGates"]?.arrayValue ?? []).isEmpty {
                    status["conditions"] = [["type": "PodScheduled", "status": "False", "lastProbeTime": nil,
                                             "lastTransitionTime": nil, "reason": "SchedulingGated",
                                             "message": .string(schedulingGatedMessage)]]
                }
                status["qosClass"] = .string(qosClass(spec))
                object["status"] = .object(status)
            }
        case .deployments:
            var spec = object["spec"]?.objectValue ?? JSONObject()
            if spec["replicas"] == nil { spec["replicas"] = 1 }
            if spec["strategy"] == nil {
                spec["strategy"] = ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]]
            }
            if spec["revisionHistoryLimit"] == nil { spec["revisionHistoryLimit"] = 10 }
            if spec["progressDeadlineSeconds"] == nil { spec["progressDeadlineSeconds"] = 600 }
            if var template = spec["template"]?.objectValue, var podSpec = template["spec"]?.objectValue {
                Defaults.podSpec(&podSpec)
                template["spec"] = .object(podSpec)
                spec["template"] = .object(template)
            }
            object["spec"] = .object(spec)
            if creating, object["status"] == nil { object["status"] = .object([:]) }
        case .services:
            service(&object, creating: creating)
        case .jobs:
            job(&object, creating: creating)
        case .secrets:
            secret(&object)
        default:
            break
        }
    }

    static let schedulingGatedMessage = "Scheduling is blocked due to non-empty scheduling gates"

    static func podSpec(_ spec: inout JSONObject) {
        let defaults: [(String, JSONValue)] = [("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30),
                                               ("dnsPolicy", "ClusterFirst"), ("securityContext", .object([:])),
                                               ("schedulerName", "default-scheduler"), ("enableServiceLinks", true)]
        for (key, value) in defaults where spec[key] == nil { spec[key] = value }
        for list in ["initContainers", "containers"] {
            guard let containers = spec[list]?.arrayValue else { continue }
            spec[list] = .array(containers.map { value in
                guard var c = value.objectValue else { return value }
                if c["terminationMessagePath"] == nil { c["terminationMessagePath"] = "/dev/termination-log" }
                if c["terminationMessagePolicy"] == nil { c["terminationMessagePolicy"] = "File" }
                if c["resources"] == nil { c["resources"] = .object([:]) }
                if c["imagePullPolicy"] == nil, let image = c["image"]?.stringValue {
                    let tag = image.split(separator: "/").last.flatMap { $0.split(separator: ":").dropFirst().first }
                    c["imagePullPolicy"] = (tag == nil || tag == "latest") && !image.contains("@") ? "Always" : "IfNotPresent"
                }
                if let ports = c["ports"]?.arrayValue {
                    c["ports"] = .array(ports.map { p in
                        guard var port = p.objectValue else { return p }
                        if port["protocol"] == nil { port["protocol"] = "TCP" }
                        return .object(port)
                    })
                }
                return .object(c)
            })
        }
    }

    /// A resource with a limit and no request requests its limit (pkg/apis/core/v1/defaults.go SetDefaults_Pod).
    static func requestsFromLimits(_ resources: JSONObject) -> JSONObject {
        guard let limits = resources["limits"]?.objectValue, !limits.isEmpty else { return resources }
        var out = resources
        var requests = resources["requests"]?.objectValue ?? JSONObject()
        for (name, value) in limits where requests[name] == nil { requests[name] = value }
        out["requests"] = .object(requests)
        return out
    }

    static func qosClass(_ spec: JSONObject) -> String {
        let containers = spec["containers"]?.arrayValue ?? []
        var any = false, guaranteed = !containers.isEmpty
        for c in containers {
            let requests = c["resources"]?["requests"]?.objectValue ?? JSONObject()
            let limits = c["resources"]?["limits"]?.objectValue ?? JSONObject()
            if !requests.isEmpty || !limits.isEmpty { any = true }
            for r in ["cpu", "memory"] {
                guard let limit = limits[r] else { guaranteed = false; continue }
                if let request = requests[r], request != limit { guaranteed = false }
            }
        }
        return guaranteed ? "Guaranteed" : any ? "Burstable" : "BestEffort"
    }

    /// pkg/apis/batch/v1/defaults.go and the job strategy's generated selector: the pods carry
    /// `batch.kubernetes.io/controller-uid` and `job-name` labels (and their legacy spellings).
    static func job(_ object: inout JSONObject, creating: Bool) {
        var spec = object["spec"]?.objectValue ?? JSONObject()
        if spec["completions"] == nil && spec["parallelism"] == nil { spec["completions"] = 1 }
        if spec["parallelism"] == nil { spec["parallelism"] = 1 }
        if spec["backoffLimit"] == nil { spec["backoffLimit"] = 6 }
        if spec["completionMode"] == nil { spec["completionMode"] = "NonIndexed" }
        if spec["suspend"] == nil { spec["suspend"] = false }
        if spec["podReplacementPolicy"] == nil { spec["podReplacementPolicy"] = "TerminatingOrFailed" }
        if var template = spec["template"]?.objectValue {
            if creating, spec["manualSelector"]?.boolValue != true, let uid = object.metadataString("uid") {
                var meta = template["metadata"]?.objectValue ?? JSONObject()
                var labels = meta["labels"]?.objectValue ?? JSONObject()
                let name = JSONValue.string(object.metadataString("name") ?? "")
                labels["batch.kubernetes.io/controller-uid"] = .string(uid)
                labels["batch.kubernetes.io/job-name"] = name
                labels["controller-uid"] = .string(uid)
                labels["job-name"] = name
                meta["labels"] = .object(labels)
                template["metadata"] = .object(meta)
                spec["selector"] = ["matchLabels": ["batch.kubernetes.io/controller-uid": .string(uid)]]
            }
            if var podSpec = template["spec"]?.objectValue {
                Defaults.podSpec(&podSpec)
                template["spec"] = .object(podSpec)
            }
            spec["template"] = .object(template)
        }
        object["spec"] = .object(spec)
        if creating, object["status"] == nil { object["status"] = .object([:]) }
    }

    static func service(_ object: inout JSONObject, creating: Bool) {
        var spec = object["spec"]?.objectValue ?? JSONObject()
        if spec["type"] == nil { spec["type"] = "ClusterIP" }
        if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        if type != "ExternalName" {
            if spec["clusterIP"] == nil {
                let ip = "10.96.\(Int.random(in: 1...254)).\(Int.random(in: 1...254))"
                spec["clusterIP"] = .string(ip)
                spec["clusterIPs"] = [.string(ip)]
            }
            if spec["ipFamilies"] == nil { spec["ipFamilies"] = ["IPv4"] }
            if spec["ipFamilyPolicy"] == nil { spec["ipFamilyPolicy"] = "SingleStack" }
            if spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = "Cluster" }
        }
        if let ports = spec["ports"]?.arrayValue {
            spec["ports"] = .array(ports.map { p in
                guard var port = p.objectValue else { return p }
                if port["protocol"] == nil { port["protocol"] = "TCP" }
                if port["targetPort"] == nil { port["targetPort"] = port["port"] }
                return .object(port)
            })
        }
        object["spec"] = .object(spec)
        if creating, object["status"] == nil { object["status"] = ["loadBalancer": .object([:])] }
    }

    /// The API server folds `stringData` into `data` (base64, `stringData` winning) and drops it; a Secret
    /// without a type is `Opaque` (pkg/apis/core/v1 defaults, registry/core/secret strategy).
    static func secret(_ object: inout JSONObject) {
        if object["type"] == nil { object["type"] = "Opaque" }
        guard let strings = object["stringData"]?.objectValue else { return }
        var data = object["data"]?.objectValue ?? JSONObject()
        for (key, value) in strings {
            if let text = value.stringValue { data[key] = .string(Data(text.utf8).base64EncodedString()) }
        }
        object["data"] = .object(data)
        object["stringData"] = nil
    }
}
