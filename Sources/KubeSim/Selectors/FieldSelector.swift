import SluiceKube

/// A parsed `fieldSelector` query (`metadata.name=x,status.phase!=Running`) over the fields the real server indexes.
public struct FieldSelector: Sendable, Hashable {
    public struct Term: Sendable, Hashable {
        public var field: String
        public var value: String
        public var equals: Bool
    }

    public var terms: [Term]

    /// Parses and checks each field against those `type` supports (400 `field label not supported: x` otherwise).
    public init(parsing text: String, for type: SimResource) throws(SimStatusError) {
        var terms: [Term] = []
        for raw in text.split(separator: ",") {
            let part = String(raw).trimmingSpaces
            if part.isEmpty { continue }
            var term: Term
            if let r = part.range(of: "!=") {
                term = Term(field: String(part[..<r.lowerBound]), value: String(part[r.upperBound...]), equals: false)
            } else if let r = part.range(of: "==") {
                term = Term(field: String(part[..<r.lowerBound]), value: String(part[r.upperBound...]), equals: true)
            } else if let r = part.range(of: "=") {
                term = Term(field: String(part[..<r.lowerBound]), value: String(part[r.upperBound...]), equals: true)
            } else {
                throw .badRequest("invalid selector: '\(text)'; can't understand '\(part)'")
            }
            term.field = term.field.trimmingSpaces
            guard FieldSelector.supportedFields(type).contains(term.field) else {
                throw .badRequest("field label not supported: \(term.field)")
            }
            terms.append(term)
        }
        self.terms = terms
    }

    public func matches(_ object: JSONObject) -> Bool {
        terms.allSatisfy { term in
            let actual = FieldSelector.fieldValue(object, term.field)
            return (actual == term.value) == term.equals
        }
    }

    static func fieldValue(_ object: JSONObject, _ field: String) -> String {
        switch object.value(at: field.split(separator: ".").map(String.init)) {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .bool(let b)?: return b ? "true" : "false"
        default: return ""
        }
    }

    static func supportedFields(_ type: SimResource) -> Set<String> {
        var fields: Set<String> = ["metadata.name", "metadata.namespace"]
        switch type {
        case .pods:
            fields.formUnion(["status.phase", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                              "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName"])
        case .events:
            fields.formUnion(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                              "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                              "reason", "reportingComponent", "source", "type"])
        case .eventsV1:
            fields.formUnion(["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "type"])
        case .namespaces:
            fields.insert("status.phase")
        default:
            break
        }
        return fields
    }
}

/// The label and field selectors of a list or watch, applied to each object.
public struct ObjectFilter: Sendable, Hashable {
    public var labels: LabelSelector?
    public var fields: FieldSelector?

    public init(labels: LabelSelector? = nil, fields: FieldSelector? = nil) {
        self.labels = labels
        self.fields = fields
    }

    public var isEmpty: Bool { (labels?.requirements.isEmpty ?? true) && (fields?.terms.isEmpty ?? true) }

    public func matches(_ object: JSONObject) -> Bool {
        if let labels, !labels.matches(object.labels) { return false }
        if let fields, !fields.matches(object) { return false }
        return true
    }
}
