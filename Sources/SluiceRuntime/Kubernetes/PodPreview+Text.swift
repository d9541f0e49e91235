import Foundation
import SluiceKube

/// `sluice render` output: YAML documents (`kubectl apply -f` reads them) or one JSON `v1 List`.
extension PodPreview {
    /// The objects to print: each pod with its note as an annotation, then (with `secrets`) its Secret. A Secret
    /// shows `inputs.json` as `stringData` text (the inputs given to render, nothing secret) and never a token.
    public func objects(secrets: Bool) -> [JSONObject] {
        var out: [JSONObject] = []
        for e in entries {
            var pod = e.plan.pod
            if let note = e.note {
                var meta = pod["metadata"]?.objectValue ?? JSONObject()
                var annotations = meta["annotations"]?.objectValue ?? JSONObject()
                annotations[Self.noteAnnotation] = .string(note)
                meta["annotations"] = .object(annotations)
                pod["metadata"] = .object(meta)
            }
            out.append(pod)
            guard secrets else { continue }
            var secret = e.plan.secret
            _ = secret.removeValue(forKey: "data")
            var inputs = "{}"
            if let b64 = e.plan.secret["data"]?["inputs.json"]?.stringValue, let data = Data(base64Encoded: b64) {
                inputs = String(decoding: data, as: UTF8.self)
            }
            secret["stringData"] = ["inputs.json": .string(inputs)]
            out.append(secret)
        }
        return out
    }

    /// Every object as a YAML document, each headed by a comment naming its node (and its note).
    public func yaml(secrets: Bool) -> String {
        var text = ""
        for note in notes { text += "# \(Self.oneLine(note))\n" }
        for object in objects(secrets: secrets) {
            let meta = object["metadata"]
            let node = meta?["annotations"]?[PodPlan.nodeIDAnnotation]?.stringValue ?? ""
            text += "---\n# \(object["kind"]?.stringValue ?? "") for node \(Self.oneLine(node))"
            if let note = meta?["annotations"]?[Self.noteAnnotation]?.stringValue { text += ": \(Self.oneLine(note))" }
            text += "\n" + KubeYAML.text(.object(object))
        }
        return text
    }

    /// One `v1 List` with every object, as pretty JSON.
    public func json(secrets: Bool) -> String {
        let list: JSONObject = ["apiVersion": "v1", "kind": "List", "items": .array(objects(secrets: secrets).map { .object($0) })]
        return KubeYAML.prettyJSON(.object(list))
    }

    static func oneLine(_ s: String) -> String { String(s.map { $0 == "\n" || $0 == "\r" ? " " : $0 }) }
}

/// JSON documents written as block YAML, keys in their order; strings that YAML would read as something else
/// (`true`, `1.0`, `null`, `- x`, text with `: `) are double-quoted with JSON escapes, which YAML reads alike.
public enum KubeYAML {
    public static func text(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out, inline: false)
        return out
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout String, inline: Bool) {
        let pad = String(repeating: "  ", count: indent)
        switch value {
        case .object(let o) where !o.isEmpty:
            var first = true
            for (k, v) in o {
                if !(inline && first) { out += pad }
                first = false
                out += scalar(k) + ":"
                writeChild(v, indent: indent, into: &out)
            }
        case .array(let a) where !a.isEmpty:
            var first = true
            for v in a {
                if !(inline && first) { out += pad }
                first = false
                out += "- "
                switch v {
                case .object(let o) where !o.isEmpty: write(v, indent: indent + 1, into: &out, inline: true)
                case .array(let inner) where !inner.isEmpty: out += "\n"; write(v, indent: indent + 1, into: &out, inline: false)
                default: out += flow(v) + "\n"
                }
            }
        default:
            out += (inline ? "" : pad) + flow(value) + "\n"
        }
    }

    private static func writeChild(_ v: JSONValue, indent: Int, into out: inout String) {
        switch v {
        case .object(let o) where !o.isEmpty: out += "\n"; write(v, indent: indent + 1, into: &out, inline: false)
        case .array(let a) where !a.isEmpty: out += "\n"; write(v, indent: indent + 1, into: &out, inline: false)
        default: out += " " + flow(v) + "\n"
        }
    }

    /// A scalar or an empty collection on one line.
    private static func flow(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return scalar(s)
        case .object: return "{}"
        case .array: return "[]"
        default: return v.jsonText
        }
    }

    /// `s` plain when YAML reads it back as the same string, else as a JSON string.
    static func scalar(_ s: String) -> String {
        let reserved: Set<String> = ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ""]
        let plainChars = s.unicodeScalars.allSatisfy { c in
            (c.value >= 0x30 && c.value <= 0x39) || (c.value >= 0x41 && c.value <= 0x5a) || (c.value >= 0x61 && c.value <= 0x7a)
                || "-_./".unicodeScalars.contains(c)
        }
        let first = s.unicodeScalars.first
        let startsOK = first.map { ($0.value >= 0x41 && $0.value <= 0x5a) || ($0.value >= 0x61 && $0.value <= 0x7a) || $0 == "/" } ?? false
        if plainChars, startsOK, !reserved.contains(s.lowercased()) { return s }
        return JSONValue.string(s).jsonText
    }

    /// Indented JSON with keys in their order (for people; the API takes compact JSON).
    public static func prettyJSON(_ value: JSONValue, indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch value {
        case .object(let o) where !o.isEmpty:
            return "{\n" + o.map { pad + JSONValue.string($0.key).jsonText + ": " + prettyJSON($0.value, indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)}"
        case .array(let a) where !a.isEmpty:
            return "[\n" + a.map { pad + prettyJSON($0, indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
        default:
            return value.jsonText
        }
    }
}
