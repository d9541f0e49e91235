/// Cuts a byte stream into whole top-level JSON values, whatever the chunk boundaries: one chunk may hold
/// several values and one value may span many chunks. Each byte is scanned once; the scan state (depth,
/// inside a string, after a backslash) survives between chunks. Top-level values are objects, arrays or
/// strings (a watch stream sends objects); white space between them is skipped.
public struct JSONStreamSplitter: Sendable {
    private var pending: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var started = false
    private var streamOffset = 0
    public let maxValueBytes: Int

    public init(maxValueBytes: Int = 64 << 20) {
        self.maxValueBytes = maxValueBytes
    }

    /// Bytes held for a value that has not ended yet.
    public var bufferedBytes: Int { pending.count }

    /// Feeds one chunk; returns the values it completed, in order.
    public mutating func append(_ chunk: UnsafeRawBufferPointer) throws(JSONError) -> [[UInt8]] {
        var values: [[UInt8]] = []
        try append(chunk) { values.append(Array($0)) }
        return values
    }

    /// Feeds one chunk and hands each completed value to `body` without copying it when it lies inside the
    /// chunk. The buffer passed to `body` is valid only during the call.
    public mutating func append(_ chunk: UnsafeRawBufferPointer,
                                _ body: (UnsafeRawBufferPointer) throws(JSONError) -> Void) throws(JSONError) {
        _ = try scan(chunk, stopAfterFirst: false, body)
    }

    /// Feeds bytes only until the value held from earlier chunks ends; returns how many bytes of `chunk`
    /// that took (all of them when it has not ended yet). For readers that parse whole values in place
    /// and need the splitter only for a value cut by a chunk boundary.
    public mutating func finishPending(_ chunk: UnsafeRawBufferPointer,
                                       _ body: (UnsafeRawBufferPointer) throws(JSONError) -> Void) throws(JSONError) -> Int {
        try scan(chunk, stopAfterFirst: true, body)
    }

    private mutating func scan(_ chunk: UnsafeRawBufferPointer, stopAfterFirst: Bool,
                               _ body: (UnsafeRawBufferPointer) throws(JSONError) -> Void) throws(JSONError) -> Int {
        let bytes = chunk.bindMemory(to: UInt8.self)
        let n = bytes.count
        var valueStart = 0  // where the current value starts in this chunk (when it started here)
        var i = 0
        while i < n {
            let c = bytes[i]
            if !started {
                switch c {
                case 0x20, 0x0A, 0x0D, 0x09:
                    i += 1
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    started = true
                    depth = 1
                case UInt8(ascii: "\""):
                    started = true
                    inString = true
                    depth = 0
                default:
                    throw JSONError(offset: streamOffset + i, message: "expected an object, an array or a string at the top level of the stream")
                }
                valueStart = i
                i += 1
                continue
            }
            if inString {
                if escaped {
                    escaped = false
                } else if c == 0x5C {
                    escaped = true
                } else if c == 0x22 {
                    inString = false
                    if depth == 0 {
                        try finish(bytes, from: valueStart, through: i, body)
                        if stopAfterFirst {
                            streamOffset += i + 1
                            return i + 1
                        }
                    }
                }
            } else {
                switch c {
                case 0x22: inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        try finish(bytes, from: valueStart, through: i, body)
                        if stopAfterFirst {
                            streamOffset += i + 1
                            return i + 1
                        }
                    }
                default: break
                }
            }
            i += 1
        }
        if started {
            // The value goes on in the next chunk: keep what we have of it.
            let from = pending.isEmpty ? valueStart : 0
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<n]))
            if pending.count > maxValueBytes {
                throw JSONError(offset: streamOffset + n, message: "a value in the stream is larger than \(maxValueBytes) bytes")
            }
        }
        streamOffset += n
        return n
    }

    private mutating func finish(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, through end: Int,
                                 _ body: (UnsafeRawBufferPointer) throws(JSONError) -> Void) throws(JSONError) {
        started = false
        if pending.isEmpty {
            try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...end]))
        } else {
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0...end]))
            let value = pending
            pending.removeAll(keepingCapacity: true)
            try value.withUnsafeBytes { buffer in Result { () throws(JSONError) in try body(buffer) } }.get()
        }
    }
}
