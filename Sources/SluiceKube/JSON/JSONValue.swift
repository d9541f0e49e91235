/// A JSON value. Kubernetes objects are kept as these documents so that fields this client does not know
/// survive a read-modify-write; typed objects are views over them.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in 64 bits.
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The member `key` of an object; nil for a missing key or when this is not an object. Setting on a
    /// non-object turns it into an object.
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let object) = self { return object[key] }
            return nil
        }
        set {
            var object = objectValue ?? JSONObject()
            self = .null  // drop our reference so the object below is uniquely owned
            object[key] = newValue
            self = .object(object)
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer value; a double with no fraction that fits also counts (JSON does not tell them apart).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d):
            guard d.rounded() == d, let i = Int64(exactly: d) else { return nil }
            return i
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { jsonText }
}

/// A JSON object whose keys keep their order: the order they were parsed in, new keys last.
/// Lookup is linear: Kubernetes objects have few keys per level, and arrays beat hashing at that size.
public struct JSONObject: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// One member. Keys and values live in one array: one allocation per object.
    @usableFromInline struct Entry: Sendable {
        @usableFromInline var key: String
        @usableFromInline var value: JSONValue
        @inlinable init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    @usableFromInline var entries: [Entry]

    public init() {
        entries = []
    }

    init(entries: [Entry]) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }

    @inlinable
    func index(of key: String) -> Int? {
        var i = 0
        let n = entries.count
        while i < n {
            if entries[i].key == key { return i }
            i += 1
        }
        return nil
    }

    /// The value for `key`; setting nil removes the key, setting an existing key keeps its place.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = index(of: key) else { return nil }
            return entries[i].value
        }
        set {
            if let i = index(of: key) {
                if let newValue {
                    entries[i].value = newValue
                } else {
                    entries.remove(at: i)
                }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// Changes the value at `key` in place (no copy of a uniquely owned nested document); creates it from
    /// `default` first when missing.
    public mutating func modify<R>(_ key: String, default value: @autoclosure () -> JSONValue,
                                   _ body: (inout JSONValue) throws -> R) rethrows -> R {
        let i: Int
        if let found = index(of: key) {
            i = found
        } else {
            entries.append(Entry(key: key, value: value()))
            i = entries.count - 1
        }
        return try body(&entries[i].value)
    }

    public var keys: [String] { entries.map(\.key) }
    public var values: [JSONValue] { entries.map(\.value) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(of: key) else { return nil }
        return entries.remove(at: i).value
    }

    public struct Iterator: IteratorProtocol {
        let object: JSONObject
        var position = 0
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard position < object.entries.count else { return nil }
            defer { position += 1 }
            let entry = object.entries[position]
            return (entry.key, entry.value)
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }
}

extension JSONObject: Hashable {
    /// Two objects are equal when they hold the same members, in any order (as JSON means it).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.entries.elementsEqual(rhs.entries, by: { $0.key == $1.key && $0.value == $1.value }) { return true }
        for (key, value) in lhs where rhs[key] != value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: sum of the members' own hashes.
        var sum = 0
        for (key, value) in self {
            var h = Hasher()
            h.combine(key)
            h.combine(value)
            sum = sum &+ h.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).jsonText }
}
