import Foundation
import SluiceKube

/// `kubectl get events`, `deployments` and `services` columns (printEvent, printDeployment and
/// printService in pkg/printers/internalversion/printers.go).
enum WorkloadPrinters {
    typealias Column = ServerTable.Column

    static var event: ([Column], ServerTable.Cells) {
        ([Column(name: "Last Seen", description: "Time when last event occurred"),
          Column(name: "Type", description: "Type of this event (Normal, Warning), new types could be added in the future."),
          Column(name: "Reason", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
          Column(name: "Object", description: "The object that this event is about."),
          Column(name: "Subobject", description: "The field of the object this event is about.", priority: 1),
          Column(name: "Source", description: "The component reporting this event. Should be a short machine understandable string.", priority: 1),
          Column(name: "Message", description: "A human-readable description of the status of this operation."),
          Column(name: "First Seen", description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", priority: 1),
          Column(name: "Count", description: "The number of times this event has occurred.", priority: 1),
          Column(name: "Name", format: "name", description: ServerTable.nameColumn.description, priority: 1)],
         { event, now in
             let involved = event["involvedObject"]
             let last = (event["lastTimestamp"]?.stringValue ?? event["eventTime"]?.stringValue).flatMap(KubeTime.parse)
             let first = event["firstTimestamp"]?.stringValue.flatMap(KubeTime.parse) ?? last
             let object = "\((involved?["kind"]?.stringValue ?? "").lowercased())/\(involved?["name"]?.stringValue ?? "")"
             var source = event["source"]?["component"]?.stringValue ?? ""
             if let host = event["source"]?["host"]?.stringValue, !host.isEmpty { source += ", \(host)" }
             return [.string(last.map { ServerTable.humanDuration(now.timeIntervalSince($0)) } ?? "<unknown>"),
                     event["type"] ?? "", event["reason"] ?? "", .string(object), involved?["fieldPath"] ?? "", .string(source),
                     event["message"] ?? "", .string(first.map { ServerTable.humanDuration(now.timeIntervalSince($0)) } ?? "<unknown>"),
                     event["count"] ?? 1, ServerTable.name(event)]
         })
    }

    static var deployment: ([Column], ServerTable.Cells) {
        ([ServerTable.nameColumn,
          Column(name: "Ready", description: "Number of the pod with ready state"),
          Column(name: "Up-to-date", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
          Column(name: "Available", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
          ServerTable.ageColumn],
         { d, now in
             let status = d["status"]
             let ready = status?["readyReplicas"]?.intValue ?? 0
             let wanted = d["spec"]?["replicas"]?.intValue ?? 0
             return [ServerTable.name(d), .string("\(ready)/\(wanted)"), .int(status?["updatedReplicas"]?.intValue ?? 0),
                     .int(status?["availableReplicas"]?.intValue ?? 0), ServerTable.age(d, now: now)]
         })
    }

    static var service: ([Column], ServerTable.Cells) {
        ([ServerTable.nameColumn,
          Column(name: "Type", description: "type determines how the Service is exposed."),
          Column(name: "Cluster-IP", description: "clusterIP is the IP address of the service and is usually assigned randomly."),
          Column(name: "External-IP", description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
          Column(name: "Port(s)", description: "The list of ports that are exposed by this service."),
          ServerTable.ageColumn],
         { svc, now in
             let spec = svc["spec"]
             let ports = (spec?["ports"]?.arrayValue ?? []).map { p -> String in
                 var text = "\(p["port"]?.intValue ?? 0)"
                 if let node = p["nodePort"]?.intValue { text += ":\(node)" }
                 return text + "/\(p["protocol"]?.stringValue ?? "TCP")"
             }
             let external = (spec?["externalIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
             return [ServerTable.name(svc), spec?["type"] ?? "ClusterIP", spec?["clusterIP"] ?? "<none>",
                     .string(external.isEmpty ? "<none>" : external.joined(separator: ",")),
                     .string(ports.isEmpty ? "<none>" : ports.joined(separator: ",")), ServerTable.age(svc, now: now)]
         })
    }
}
