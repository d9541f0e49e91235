import Foundation
import SluiceModel

/// A reason a value does not fit, as one sentence.
struct Problem: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Converts between JSON text and typed values, checking them against declared types.
enum ValueCoding {
    /// Canonical JSON (sorted keys), used for `$SLUICE_INPUTS` and cache keys.
    static func json(_ values: [String: LiteralValue]) -> String {
        json(LiteralValue.map(values))
    }

    static func json(_ value: LiteralValue) -> String {
        value.jsonText
    }

    /// Parses a JSON document into an untyped value.
    static func parse(_ text: String) -> LiteralValue? {
        LiteralValue.parseJSON(text)
    }

    /// Reads a task's outputs object and checks each declared output; the error names the output and types.
    static func outputs(_ json: String?, declared: [Variable]) -> Result<[String: LiteralValue], Problem> {
        if declared.isEmpty { return .success([:]) }
        guard let json else {
            let required = declared.filter { !$0.type.isOptional }
            if required.isEmpty { return .success(Dictionary(uniqueKeysWithValues: declared.map { ($0.name, LiteralValue.none) })) }
            return .failure(Problem("the task wrote no outputs to $SLUICE_OUTPUTS; expected a JSON object with \(required.map { "\($0.name) (\($0.type))" }.joined(separator: ", "))"))
        }
        guard case .map(let object)? = parse(json) else {
            return .failure(Problem("$SLUICE_OUTPUTS does not hold a JSON object: \(json.prefix(200))"))
        }
        var out: [String: LiteralValue] = [:]
        for v in declared {
            guard let raw = object[v.name] else {
                if v.type.isOptional { out[v.name] = LiteralValue.none; continue }
                return .failure(Problem("output '\(v.name)' (\(v.type)) is missing from $SLUICE_OUTPUTS; it has \(object.keys.sorted().joined(separator: ", "))"))
            }
            switch coerce(raw, to: v.type) {
            case .success(let value): out[v.name] = value
            case .failure(let why): return .failure(Problem("output '\(v.name)': expected \(v.type) but \(why)"))
            }
        }
        return .success(out)
    }

    /// Gives an untyped JSON value its declared type, or says why it does not fit.
    static func coerce(_ v: LiteralValue, to type: LiteralType) -> Result<LiteralValue, Problem> {
        func no() -> Result<LiteralValue, Problem> { .failure(Problem("found \(v)")) }
        // JSON has no infinity or NaN: `1e999` reads as infinity and would be stored as null. Refused here,
        // at the edge, before anything is recorded.
        if let bad = nonFinite(v) { return .failure(Problem("found \(bad), a number too large for a 64-bit float")) }
        switch (type, v) {
        case (.json, _): return .success(v)
        case (.optional, .none): return .success(.none)
        case (.optional(let t), _): return coerce(v, to: t)
        case (.none, .none): return .success(.none)
        case (.int, .int): return .success(v)
        case (.int, .float(let d)) where d.rounded() == d && abs(d) < 9e15: return .success(.int(Int(d)))
        case (.float, .int(let i)): return .success(.float(Double(i)))
        case (.float, .float), (.bool, .bool), (.string, .string): return .success(v)
        case (.blob, .string(let s)), (.blob, .blob(let s)): return .success(.blob(s))
        case (.datetime, .string(let s)), (.datetime, .datetime(let s)): return .success(.datetime(s))
        case (.duration, .duration): return .success(v)
        case (.duration, .string(let s)):
            guard let d = try? DurationValue(parsing: s) else { return no() }
            return .success(.duration(d))
        case (.enumeration(let cases), .string(let s)): return cases.contains(s) ? .success(v) : .failure(Problem("'\(s)' is not one of \(cases.joined(separator: ", "))"))
        case (.list(let e), .list(let items)):
            var out: [LiteralValue] = []
            for (i, item) in items.enumerated() {
                switch coerce(item, to: e) {
                case .success(let x): out.append(x)
                case .failure(let why): return .failure(Problem("item \(i): \(why)"))
                }
            }
            return .success(.list(out))
        case (.map(let e), .map(let entries)):
            var out: [String: LiteralValue] = [:]
            for k in entries.keys.sorted() {
                switch coerce(entries[k]!, to: e) {
                case .success(let x): out[k] = x
                case .failure(let why): return .failure(Problem("key '\(k)': \(why)"))
                }
            }
            return .success(.map(out))
        default: return no()
        }
    }

    /// The first number in `v` (searched through lists and maps) that is infinite or NaN.
    static func nonFinite(_ v: LiteralValue) -> Double? {
        switch v {
        case .float(let d): return d.isFinite ? nil : d
        case .list(let items): return items.lazy.compactMap(nonFinite).first
        case .map(let entries): return entries.values.lazy.compactMap(nonFinite).first
        default: return nil
        }
    }

    /// How a value appears inside a command line: text as is, everything else as JSON.
    static func commandText(_ v: LiteralValue) -> String {
        switch v {
        case .string(let s), .datetime(let s), .blob(let s): return s
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return String(b)
        case .duration(let d): return d.description
        case .none: return ""
        default: return json(v)
        }
    }

    /// Replaces `{{inputs.NAME}}` (and, in maps, `{{ITEM}}`) in `text`.
    static func substitute(_ text: String, inputs: [String: LiteralValue], extra: [String: LiteralValue] = [:]) -> String {
        guard text.contains("{{") else { return text }
        var out = ""
        var rest = text[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let inner = String(rest[open.upperBound..<close.lowerBound])
            if let literal = CommandTemplate.literal(inner) {
                out += literal
                rest = rest[close.upperBound...]
                continue
            }
            let (name, filter) = CommandTemplate.split(inner)
            let value = name.hasPrefix("inputs.") ? inputs[String(name.dropFirst(7))] : extra[name]
            if let value {
                switch filter.flatMap(CommandTemplate.Filter.init(rawValue:)) {
                case .shell?: out += CommandTemplate.shellQuote(commandText(value))
                case .json?: out += json(value)
                case nil: out += commandText(value)
                }
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
