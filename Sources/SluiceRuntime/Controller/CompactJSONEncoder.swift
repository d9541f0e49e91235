import Foundation

/// A small `Encoder` that writes JSON straight into a byte buffer. Foundation's `JSONEncoder` builds a tree
/// of boxed values first; for the node states written on every step that cost more than the SQLite commit.
/// Output is plain JSON that `JSONDecoder` reads back; keys keep their encoding order.
struct CompactJSONEncoder {
    func encode<T: Encodable>(_ value: T) throws -> Data {
        let sink = JSONSink()
        try value.encode(to: StreamEncoder(sink: sink, codingPath: []))
        sink.finishAll()
        return Data(sink.bytes)
    }
}

/// The output buffer plus the stack of open containers (for commas and closing brackets).
private final class JSONSink {
    var bytes: [UInt8] = []
    /// For each open container: its closing byte and whether it already has an element.
    var open: [(close: UInt8, hasElement: Bool)] = []

    init() { bytes.reserveCapacity(1024) }

    func beginElement() {
        guard !open.isEmpty else { return }
        if open[open.count - 1].hasElement { bytes.append(UInt8(ascii: ",")) }
        open[open.count - 1].hasElement = true
    }

    func key(_ k: String) {
        beginElement()
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Closes containers deeper than `depth` (a nested container ends when its parent writes again).
    func close(to depth: Int) {
        while open.count > depth { bytes.append(open.removeLast().close) }
    }

    func finishAll() { close(to: 0) }

    func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 10: bytes.append(contentsOf: [92, 110])
            case 13: bytes.append(contentsOf: [92, 114])
            case 9: bytes.append(contentsOf: [92, 116])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [92, 117, 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    func double(_ d: Double) {
        if d.isFinite { raw(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) + ".0" : String(d)) } else { raw("null") }
    }
}

private struct StreamEncoder: Encoder {
    let sink: JSONSink
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// The container depth this encoder writes at.
    var depth: Int = 0

    init(sink: JSONSink, codingPath: [any CodingKey]) {
        self.sink = sink
        self.codingPath = codingPath
        self.depth = sink.open.count
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        sink.close(to: depth)
        sink.bytes.append(UInt8(ascii: "{"))
        sink.open.append((UInt8(ascii: "}"), false))
        return KeyedEncodingContainer(Keyed<Key>(sink: sink, depth: sink.open.count, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        sink.close(to: depth)
        sink.bytes.append(UInt8(ascii: "["))
        sink.open.append((UInt8(ascii: "]"), false))
        return Unkeyed(sink: sink, depth: sink.open.count, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Single(sink: sink, depth: depth, codingPath: codingPath)
    }
}

/// Writes one value of any kind at the current position (after a key or a comma).
private func writeValue<T: Encodable>(_ value: T, sink: JSONSink, codingPath: [any CodingKey]) throws {
    switch value {
    case let s as String: sink.string(s)
    case let i as Int: sink.raw(String(i))
    case let i as Int64: sink.raw(String(i))
    case let i as Int32: sink.raw(String(i))
    case let b as Bool: sink.raw(b ? "true" : "false")
    case let d as Double: sink.double(d)
    case let d as Data: sink.string(d.base64EncodedString())
    default:
        let depth = sink.open.count
        let before = sink.bytes.count
        try value.encode(to: StreamEncoder(sink: sink, codingPath: codingPath))
        sink.close(to: depth)
        if sink.bytes.count == before { sink.raw("{}") }
    }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey]

    func prepare(_ key: Key) {
        sink.close(to: depth)
        sink.key(key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws { prepare(key); sink.raw("null") }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        prepare(key)
        try writeValue(value, sink: sink, codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        prepare(key)
        return StreamEncoder(sink: sink, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        prepare(key)
        return StreamEncoder(sink: sink, codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        prepare(key)
        return StreamEncoder(sink: sink, codingPath: codingPath + [key])
    }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey]
    var count = 0

    mutating func prepare() {
        sink.close(to: depth)
        sink.beginElement()
        count += 1
    }

    mutating func encodeNil() throws { prepare(); sink.raw("null") }
    mutating func encode<T: Encodable>(_ value: T) throws {
        prepare()
        try writeValue(value, sink: sink, codingPath: codingPath)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        prepare()
        return StreamEncoder(sink: sink, codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        prepare()
        return StreamEncoder(sink: sink, codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder {
        prepare()
        return StreamEncoder(sink: sink, codingPath: codingPath)
    }
}

private struct Single: SingleValueEncodingContainer {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { sink.close(to: depth); sink.raw("null") }
    mutating func encode<T: Encodable>(_ value: T) throws {
        sink.close(to: depth)
        try writeValue(value, sink: sink, codingPath: codingPath)
    }
}
