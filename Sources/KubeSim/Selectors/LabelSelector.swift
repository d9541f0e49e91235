import SluiceKube

/// A parsed `labelSelector` query (`a=b,c!=d,e in (x,y),f notin (z),g,!h`).
public struct LabelSelector: Sendable, Hashable {
    public enum Requirement: Sendable, Hashable {
        case equals(String, String), notEquals(String, String)
        case isIn(String, Set<String>), notIn(String, Set<String>)
        case exists(String), notExists(String)
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement]) { self.requirements = requirements }

    /// Parses the query syntax; throws a 400 BadRequest like the real server for malformed input.
    public init(parsing text: String) throws(SimStatusError) {
        var requirements: [Requirement] = []
        for part in LabelSelector.splitTopLevel(text) {
            let term = part.trimmingSpaces
            if term.isEmpty { continue }
            requirements.append(try LabelSelector.requirement(term))
        }
        self.requirements = requirements
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .isIn(let k, let values): return labels[k].map(values.contains) ?? false
            case .notIn(let k, let values): return labels[k].map { !values.contains($0) } ?? true
            case .exists(let k): return labels[k] != nil
            case .notExists(let k): return labels[k] == nil
            }
        }
    }

    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts
    }

    static func isKeyCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "." || c == "-" || c == "_" || c == "/"
    }

    static func requirement(_ term: String) throws(SimStatusError) -> Requirement {
        func fail() -> SimStatusError { .badRequest("unable to parse requirement: found '\(term)', expected: identifier") }
        if term.hasPrefix("!") {
            let key = String(term.dropFirst()).trimmingSpaces
            guard !key.isEmpty, key.allSatisfy(isKeyCharacter) else { throw fail() }
            return .notExists(key)
        }
        let key = String(term.prefix(while: isKeyCharacter))
        guard !key.isEmpty else { throw fail() }
        let rest = String(term.dropFirst(key.count)).trimmingSpaces
        if rest.isEmpty { return .exists(key) }
        for (op, isEq) in [("==", true), ("!=", false), ("=", true)] where rest.hasPrefix(op) {
            let value = String(rest.dropFirst(op.count)).trimmingSpaces
            guard value.allSatisfy(isKeyCharacter) else { throw fail() }
            return isEq ? .equals(key, value) : .notEquals(key, value)
        }
        for (op, isIn) in [("notin", false), ("in", true)] where rest.hasPrefix(op) {
            let list = String(rest.dropFirst(op.count)).trimmingSpaces
            guard list.hasPrefix("("), list.hasSuffix(")") else { throw fail() }
            let values = Set(list.dropFirst().dropLast().split(separator: ",").map { String($0).trimmingSpaces })
            return isIn ? .isIn(key, values) : .notIn(key, values)
        }
        throw fail()
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
