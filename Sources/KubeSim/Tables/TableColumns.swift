import Foundation
import SluiceKube

/// `meta.k8s.io/v1` Table responses, which `kubectl get` asks for (`Accept: application/json;as=Table;...`):
/// the columns and cells of the real server's printers (pkg/printers/internalversion/printers.go).
enum ServerTable {
    /// Whether the request's Accept header asks for a Table.
    static func wanted(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { $0.contains("as=Table") && $0.contains("g=meta.k8s.io") }
    }

    struct Column {
        var name: String
        var type: String = "string"
        var format: String = ""
        var description: String
        var priority: Int64 = 0

        var json: JSONValue {
            ["name": .string(name), "type": .string(type), "format": .string(format),
             "description": .string(description), "priority": .int(priority)]
        }
    }

    /// The Table for `objects`; each row carries the object's metadata (`includeObject=Metadata`, the
    /// default), the whole object (`Object`) or nothing (`None`).
    static func document(_ type: SimResource, objects: [StoredObject], listMetadata: JSONObject, includeObject: String?,
                         now: Date) -> JSONObject {
        let (columns, cells) = printer(type)
        let rows: [JSONValue] = objects.map { stored in
            var row: JSONObject = ["cells": .array(cells(stored.object, now))]
            switch includeObject ?? "Metadata" {
            case "None": break
            case "Object": row["object"] = .object(stored.object)
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                 "metadata": stored.object["metadata"] ?? .object([:])]
            }
            return .object(row)
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": .object(listMetadata),
                "columnDefinitions": .array(columns.map(\.json)), "rows": .array(rows)]
    }

    typealias Cells = (JSONObject, Date) -> [JSONValue]

    static let nameColumn = Column(name: "Name", format: "name",
                                   description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
    static let ageColumn = Column(name: "Age", description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")

    static func printer(_ type: SimResource) -> ([Column], Cells) {
        switch type {
        case .pods: return PodPrinter.printer
        case .nodes: return NodePrinter.printer
        case .jobs: return JobPrinter.printer
        case .events: return WorkloadPrinters.event
        case .deployments: return WorkloadPrinters.deployment
        case .services: return WorkloadPrinters.service
        default:
            return ([nameColumn, ageColumn], { object, now in [name(object), age(object, now: now)] })
        }
    }

    static func name(_ object: JSONObject) -> JSONValue { .string(object["metadata"]?["name"]?.stringValue ?? "") }

    static func age(_ object: JSONObject, now: Date) -> JSONValue {
        guard let created = object["metadata"]?["creationTimestamp"]?.stringValue.flatMap(KubeTime.parse) else { return "<unknown>" }
        return .string(humanDuration(now.timeIntervalSince(created)))
    }

    /// k8s.io/apimachinery/pkg/util/duration.HumanDuration.
    static func humanDuration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval.rounded(.down))
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(hours % 24)h" }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        let years = hours / 24 / 365
        if years < 8 { return "\(years)y\((hours / 24) % 365)d" }
        return "\(years)y"
    }
}
