import Foundation
import SluiceModel

/// A typed view over one JSON object inside a Kubernetes document: its properties read and write
/// `object` in place, so members the view does not know are kept with their order.
public protocol JSONObjectView: Sendable, Hashable {
    /// The viewed object, unknown members included.
    var object: JSONObject { get set }
    /// Wraps `object` without validating it; a missing member reads as nil or empty.
    init(object: JSONObject)
}

extension JSONObjectView {
    /// An empty object.
    public init() { self.init(object: JSONObject()) }
}

// Field access shared by all views. Conventions (as Kubernetes serializes with omitempty):
// setting nil or an empty list or map removes the key, setting a value on an existing key keeps its
// place, new keys go last.
extension JSONObject {
    /// The nested object at `key` as a view; empty when missing. Writing an empty view back where
    /// there was nothing adds nothing.
    subscript<View: JSONObjectView>(view key: String) -> View {
        get { View(object: self[key]?.objectValue ?? JSONObject()) }
        _modify {
            // Take the nested object out (leaving a placeholder that holds its place) so the view
            // owns the only reference and changing it does not copy the object.
            var present = false
            var view = View(object: JSONObject())
            if case .object(let nested)? = self[key] {
                present = true
                self[key] = .null
                view = View(object: nested)
            }
            defer {
                if present || !view.object.isEmpty { self[key] = .object(view.object) }
            }
            yield &view
        }
        set {
            if self[key]?.objectValue != nil || !newValue.object.isEmpty { self[key] = .object(newValue.object) }
        }
    }

    /// The nested object at `key` as a view, or nil when missing; setting nil removes it.
    subscript<View: JSONObjectView>(optionalView key: String) -> View? {
        get { self[key]?.objectValue.map(View.init(object:)) }
        set { self[key] = newValue.map { .object($0.object) } }
    }

    /// The objects of the list at `key` as views (members that are not objects are skipped).
    subscript<View: JSONObjectView>(views key: String) -> [View] {
        get {
            guard case .array(let elements)? = self[key] else { return [] }
            var views: [View] = []
            views.reserveCapacity(elements.count)
            for case .object(let element) in elements { views.append(View(object: element)) }
            return views
        }
        set { self[key] = newValue.isEmpty ? nil : .array(newValue.map { .object($0.object) }) }
    }

    subscript(string key: String) -> String? {
        get { self[key]?.stringValue }
        set { self[key] = newValue.map(JSONValue.string) }
    }

    subscript(int key: String) -> Int? {
        get { self[key]?.intValue.flatMap { Int(exactly: $0) } }
        set { self[key] = newValue.map { .int(Int64($0)) } }
    }

    subscript(bool key: String) -> Bool? {
        get { self[key]?.boolValue }
        set { self[key] = newValue.map(JSONValue.bool) }
    }

    /// A `metav1.Time`: RFC 3339, written with whole seconds.
    subscript(time key: String) -> Date? {
        get { self[key]?.stringValue.flatMap(RFC3339.parse) }
        set { self[key] = newValue.map { .string(RFC3339.format($0, fractionDigits: 0)) } }
    }

    /// A `metav1.MicroTime`: RFC 3339, written with exactly six fractional digits.
    subscript(microTime key: String) -> Date? {
        get { self[key]?.stringValue.flatMap(RFC3339.parse) }
        set { self[key] = newValue.map { .string(RFC3339.format($0, fractionDigits: 6)) } }
    }

    /// A list of strings (members that are not strings are skipped).
    subscript(strings key: String) -> [String] {
        get {
            guard case .array(let elements)? = self[key] else { return [] }
            return elements.compactMap(\.stringValue)
        }
        set { self[key] = newValue.isEmpty ? nil : .array(newValue.map(JSONValue.string)) }
    }

    /// A string-to-string map such as labels; writing keeps the order of the keys that stay and
    /// appends new keys sorted, so a diff shows only what changed.
    subscript(stringMap key: String) -> [String: String] {
        get {
            guard case .object(let map)? = self[key] else { return [:] }
            var result: [String: String] = [:]
            result.reserveCapacity(map.count)
            for (name, value) in map { if let text = value.stringValue { result[name] = text } }
            return result
        }
        set {
            self[key] = Self.mergedMap(old: self[key]?.objectValue, new: newValue) { old, new in
                old?.stringValue == new ? old! : .string(new)
            }
        }
    }

    /// A map of resource quantities; values that do not parse are skipped. Writing keeps the text of
    /// a value that did not change ("1.5" stays "1.5"), otherwise writes the canonical form.
    subscript(quantities key: String) -> [String: Quantity] {
        get {
            guard case .object(let map)? = self[key] else { return [:] }
            var result: [String: Quantity] = [:]
            for (name, value) in map { if let quantity = Quantity(json: value) { result[name] = quantity } }
            return result
        }
        set {
            self[key] = Self.mergedMap(old: self[key]?.objectValue, new: newValue) { old, new in
                old.flatMap(Quantity.init(json:)) == new ? old! : .string(new.canonical)
            }
        }
    }

    /// Builds the object for `new`, keeping the order (and, through `encode`, the text) of `old`.
    private static func mergedMap<Value>(
        old: JSONObject?, new: [String: Value], encode: (JSONValue?, Value) -> JSONValue
    ) -> JSONValue? {
        guard !new.isEmpty else { return nil }
        var merged = JSONObject()
        for (name, value) in old ?? JSONObject() {
            if let replacement = new[name] { merged[name] = encode(value, replacement) }
        }
        for name in new.keys.sorted() where merged[name] == nil { merged[name] = encode(nil, new[name]!) }
        return .object(merged)
    }
}

extension Quantity {
    /// Reads a quantity written as a string or, as Kubernetes also accepts, a bare number.
    init?(json: JSONValue) {
        let text: String
        switch json {
        case .string(let s): text = s
        case .int(let i): text = String(i)
        case .double(let d): text = String(d)
        default: return nil
        }
        guard let parsed = try? Quantity(parsing: text) else { return nil }
        self = parsed
    }
}
