import SluiceModel

/// Text with `{{inputs.NAME}}` references, split into literal text and input references, so a plugin can
/// insert each input in the form its target needs (a JSON value, a bound SQL parameter, an escaped URL part)
/// instead of splicing raw text.
public struct InputTemplate: Sendable, Hashable {
    /// One piece of the template.
    public enum Part: Sendable, Hashable {
        case text(String)
        case input(String)
    }

    public var parts: [Part]

    /// Splits `text`; `{{ inputs.x }}` may have spaces inside the braces. Other `{{...}}` stays text.
    public init(_ text: String) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { break }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingSpaces
            if inner.hasPrefix("inputs."), Self.isName(inner.dropFirst(7)) {
                if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
                parts.append(.input(String(inner.dropFirst(7))))
            } else {
                parts.append(.text(String(rest[..<close.upperBound])))
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = Self.merged(parts)
    }

    /// The inputs named, in order of first use.
    public var inputNames: [String] {
        var seen: [String] = []
        for case .input(let n) in parts where !seen.contains(n) { seen.append(n) }
        return seen
    }

    /// The input this template is, when it is one reference and nothing else (`"{{inputs.items}}"`).
    public var soleInput: String? {
        if parts.count == 1, case .input(let n) = parts[0] { return n }
        return nil
    }

    /// The text with each input replaced by `render(value)`.
    public func render(_ inputs: [String: LiteralValue], _ render: (LiteralValue) -> String) -> String {
        parts.map { part in
            switch part {
            case .text(let t): t
            case .input(let n): render(inputs[n] ?? .none)
            }
        }.joined()
    }

    /// A value as plain text: strings without quotes, everything else as JSON.
    public static func plainText(_ v: LiteralValue) -> String {
        switch v {
        case .string(let s), .datetime(let s), .blob(let s): s
        case .duration(let d): d.description
        default: v.jsonText
        }
    }

    private static func isName(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    private static func merged(_ parts: [Part]) -> [Part] {
        var out: [Part] = []
        for p in parts {
            if case .text(let t) = p, case .text(let prev)? = out.last {
                out[out.count - 1] = .text(prev + t)
            } else {
                out.append(p)
            }
        }
        return out
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
