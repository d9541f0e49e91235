import Foundation
import SluiceKube

/// The pieces of a pod's `status` as a kubelet writes them, field for field in the API's order.
enum PodStatusDocument {
    /// One container's state: the `state` member of a container status.
    enum ContainerState: Sendable, Equatable {
        case waiting(reason: String, message: String?)
        case running(startedAt: Date)
        case terminated(ContainerExit)
    }

    static func condition(_ type: String, _ status: Bool?, at: Date, reason: String? = nil,
                          message: String? = nil) -> JSONValue {
        var c: JSONObject = [
            "type": .string(type),
            "status": .string(status.map { $0 ? "True" : "False" } ?? "Unknown"),
            "lastProbeTime": .null,
            "lastTransitionTime": KubeTime.json(at),
        ]
        if let reason { c["reason"] = .string(reason) }
        if let message { c["message"] = .string(message) }
        return .object(c)
    }

    static func stateJSON(_ state: ContainerState, containerID: String) -> JSONValue {
        switch state {
        case .waiting(let reason, let message):
            var w: JSONObject = ["reason": .string(reason)]
            if let message { w["message"] = .string(message) }
            return ["waiting": .object(w)]
        case .running(let startedAt):
            return ["running": ["startedAt": KubeTime.json(startedAt)]]
        case .terminated(let exit):
            var t: JSONObject = ["exitCode": .int(Int64(exit.exitCode))]
            if let signal = exit.signal { t["signal"] = .int(Int64(signal)) }
            t["reason"] = .string(exit.reason)
            if let message = exit.message, !message.isEmpty { t["message"] = .string(message) }
            t["startedAt"] = KubeTime.json(exit.startedAt)
            t["finishedAt"] = KubeTime.json(exit.finishedAt)
            t["containerID"] = .string(containerID)
            return ["terminated": .object(t)]
        }
    }

    /// A `containerStatuses` entry. `lastState` carries the previous run after a restart.
    static func containerStatus(_ container: ContainerFacts, state: ContainerState, lastState: ContainerState? = nil,
                                restartCount: Int = 0) -> JSONValue {
        let created: Bool
        switch state {
        case .waiting: created = lastState != nil
        case .running, .terminated: created = true
        }
        var s: JSONObject = ["name": .string(container.name)]
        s["state"] = stateJSON(state, containerID: container.containerID)
        s["lastState"] = lastState.map { stateJSON($0, containerID: container.containerID) } ?? .object(JSONObject())
        if case .running = state { s["ready"] = true } else { s["ready"] = false }
        s["restartCount"] = .int(Int64(restartCount))
        s["image"] = .string(container.imageReference)
        s["imageID"] = .string(created ? container.imageID : "")
        if created { s["containerID"] = .string(container.containerID) }
        if case .running = state { s["started"] = true } else { s["started"] = false }
        return .object(s)
    }

    /// `status` with the members in the order the API server writes them; nil members are left out.
    static func status(phase: String, conditions: [JSONValue], message: String? = nil, reason: String? = nil,
                       node: SimulatedNode?, podIP: String?, startTime: Date?, containerStatuses: [JSONValue]?,
                       qosClass: String) -> JSONObject {
        var s: JSONObject = ["phase": .string(phase)]
        if !conditions.isEmpty { s["conditions"] = .array(conditions) }
        if let message { s["message"] = .string(message) }
        if let reason { s["reason"] = .string(reason) }
        if let node {
            s["hostIP"] = .string(node.hostIP)
            s["hostIPs"] = [["ip": .string(node.hostIP)]]
        }
        if let podIP {
            s["podIP"] = .string(podIP)
            s["podIPs"] = [["ip": .string(podIP)]]
        }
        if let startTime { s["startTime"] = KubeTime.json(startTime) }
        if let containerStatuses { s["containerStatuses"] = .array(containerStatuses) }
        s["qosClass"] = .string(qosClass)
        return s
    }

    /// Guaranteed when every container's requests equal its cpu and memory limits, BestEffort when none
    /// asks for anything, Burstable otherwise.
    static func qosClass(_ pod: JSONObject) -> String {
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        var any = false
        var guaranteed = !containers.isEmpty
        for c in containers {
            let limits = c["resources"]?["limits"]?.objectValue ?? JSONObject()
            let requests = c["resources"]?["requests"]?.objectValue ?? JSONObject()
            if !limits.isEmpty || !requests.isEmpty { any = true }
            for resource in ["cpu", "memory"] {
                // The API server defaults a missing request to its limit.
                if limits[resource] == nil || (requests[resource] ?? limits[resource]) != limits[resource] {
                    guaranteed = false
                }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}

/// How one container ended: what `state.terminated` reports.
public struct ContainerExit: Sendable, Equatable {
    public var exitCode: Int32
    /// The signal that killed it, when one did (a kubelet reports it only for some runtimes; kept for logs).
    public var signal: Int32?
    /// `Completed`, `Error`, `OOMKilled`, `ContainerStatusUnknown`.
    public var reason: String
    public var message: String?
    public var startedAt: Date
    public var finishedAt: Date

    public init(exitCode: Int32, signal: Int32? = nil, reason: String? = nil, message: String? = nil,
                startedAt: Date, finishedAt: Date) {
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason ?? (exitCode == 0 ? "Completed" : "Error")
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// One container of a pod as the runtime knows it: its name, its image and the ids the runtime gave them.
struct ContainerFacts: Sendable, Equatable {
    var name: String
    /// The image as written in the spec.
    var image: String
    /// The image as a runtime reports it (`busybox` -> `docker.io/library/busybox:latest`).
    var imageReference: String
    var imageID: String
    var containerID: String

    init(name: String, image: String, podUID: String) {
        self.name = name
        self.image = image
        imageReference = Self.normalize(image)
        imageID = "\(Self.repository(of: imageReference))@sha256:\(StableID.hex("image:" + imageReference))"
        containerID = "containerd://\(StableID.hex("container:\(podUID)/\(name)"))"
    }

    /// Docker Hub defaults: a registry host, `library/` for one-part names, `:latest` without tag or digest.
    static func normalize(_ image: String) -> String {
        var name = image
        let parts = name.split(separator: "/", maxSplits: 1)
        let first = parts.first.map(String.init) ?? ""
        let hasRegistry = parts.count > 1 && (first.contains(".") || first.contains(":") || first == "localhost")
        if !hasRegistry { name = "docker.io/" + (parts.count == 1 ? "library/" : "") + name }
        let lastComponent = name.split(separator: "/").last ?? ""
        if !lastComponent.contains(":") && !name.contains("@") { name += ":latest" }
        return name
    }

    /// The reference without its tag or digest.
    static func repository(of reference: String) -> String {
        let undigested = reference.split(separator: "@").first.map(String.init) ?? reference
        let slash = undigested.lastIndex(of: "/") ?? undigested.startIndex
        if let colon = undigested[slash...].lastIndex(of: ":") { return String(undigested[..<colon]) }
        return undigested
    }

    /// The app containers of `pod` (or its init containers, `field: "initContainers"`) in spec order.
    static func of(_ pod: JSONObject, field: String = "containers") -> [ContainerFacts] {
        let uid = pod["metadata"]?["uid"]?.stringValue ?? pod["metadata"]?["name"]?.stringValue ?? ""
        return (pod["spec"]?[field]?.arrayValue ?? []).enumerated().map { i, c in
            ContainerFacts(name: c["name"]?.stringValue ?? "container-\(i)", image: c["image"]?.stringValue ?? "",
                           podUID: uid)
        }
    }
}
