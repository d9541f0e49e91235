import Foundation
import SluiceKube

/// RFC 6902 JSON patch: add, remove, replace, move, copy and test over RFC 6901 pointers.
enum JSONPatch {
    struct Failure: Error { let message: String }

    static func apply(_ document: JSONValue, _ patch: JSONValue) throws(Failure) -> JSONValue {
        guard case .array(let ops) = patch else { throw Failure(message: "json patch must be an array of operations") }
        var doc = document
        for op in ops {
            let kind = op["op"]?.stringValue ?? ""
            guard let path = op["path"]?.stringValue else { throw Failure(message: "operation \(kind) is missing path") }
            let tokens = try pointer(path)
            switch kind {
            case "add":
                guard let value = op["value"] else { throw Failure(message: "add operation does not apply: missing value") }
                doc = try set(doc, tokens[...], value, insert: true)
            case "remove":
                doc = try remove(doc, tokens[...]).0
            case "replace":
                guard let value = op["value"] else { throw Failure(message: "replace operation does not apply: missing value") }
                _ = try get(doc, tokens[...], path)
                doc = try set(doc, tokens[...], value, insert: false)
            case "move", "copy":
                guard let from = op["from"]?.stringValue else { throw Failure(message: "\(kind) operation is missing from") }
                let fromTokens = try pointer(from)
                let value = try get(doc, fromTokens[...], from)
                if kind == "move" { doc = try remove(doc, fromTokens[...]).0 }
                doc = try set(doc, tokens[...], value, insert: true)
            case "test":
                let actual = try get(doc, tokens[...], path)
                if actual != (op["value"] ?? .null) { throw Failure(message: "testing value \(path) failed: test failed") }
            default:
                throw Failure(message: "Unexpected kind: \(kind)")
            }
        }
        return doc
    }

    static func pointer(_ path: String) throws(Failure) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw Failure(message: "invalid JSON pointer: \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ doc: JSONValue, _ tokens: ArraySlice<String>, _ path: String) throws(Failure) -> JSONValue {
        var current = doc
        for token in tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { throw Failure(message: "doc is missing path: \"\(path)\": missing value") }
                current = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { throw Failure(message: "doc is missing path: \"\(path)\": missing value") }
                current = a[i]
            default:
                throw Failure(message: "doc is missing path: \"\(path)\": missing value")
            }
        }
        return current
    }

    static func set(_ doc: JSONValue, _ tokens: ArraySlice<String>, _ value: JSONValue, insert: Bool) throws(Failure) -> JSONValue {
        guard let token = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch doc {
        case .object(var o):
            if rest.isEmpty { o[token] = value; return .object(o) }
            guard let child = o[token] else { throw Failure(message: "add operation does not apply: doc is missing path: \(token)") }
            o[token] = try set(child, rest, value, insert: insert)
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if token == "-", insert { a.append(value); return .array(a) }
                guard let i = Int(token), i >= 0, insert ? i <= a.count : i < a.count else {
                    throw Failure(message: "add operation does not apply: index out of bounds: \(token)")
                }
                if insert { a.insert(value, at: i) } else { a[i] = value }
                return .array(a)
            }
            guard let i = Int(token), a.indices.contains(i) else { throw Failure(message: "index out of bounds: \(token)") }
            a[i] = try set(a[i], rest, value, insert: insert)
            return .array(a)
        default:
            throw Failure(message: "add operation does not apply: doc is missing path: \(token)")
        }
    }

    static func remove(_ doc: JSONValue, _ tokens: ArraySlice<String>) throws(Failure) -> (JSONValue, JSONValue) {
        guard let token = tokens.first else { throw Failure(message: "remove operation does not apply: empty path") }
        let rest = tokens.dropFirst()
        switch doc {
        case .object(var o):
            guard let child = o[token] else { throw Failure(message: "remove operation does not apply: doc is missing path: \(token)") }
            if rest.isEmpty { o[token] = nil; return (.object(o), child) }
            let (updated, removed) = try remove(child, rest)
            o[token] = updated
            return (.object(o), removed)
        case .array(var a):
            guard let i = Int(token), a.indices.contains(i) else { throw Failure(message: "remove operation does not apply: index out of bounds: \(token)") }
            if rest.isEmpty { let removed = a.remove(at: i); return (.array(a), removed) }
            let (updated, removed) = try remove(a[i], rest)
            a[i] = updated
            return (.array(a), removed)
        default:
            throw Failure(message: "remove operation does not apply: doc is missing path: \(token)")
        }
    }
}
