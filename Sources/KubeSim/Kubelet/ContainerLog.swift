import Foundation
import Synchronization

/// One run of one container's output (stdout and stderr merged), with readers that follow it. Each line
/// keeps the time its first byte arrived, for `sinceSeconds` and `timestamps`.
public final class ContainerLog: Sendable {
    /// Output past this is dropped from the front, like a rotated log.
    public static let maxBytes = 4 << 20

    /// A reader following the log; `stamps` prefixes each line with its time.
    struct Follower {
        var continuation: PodLogStream.Continuation
        var stamps: Bool
        var atLineStart: Bool
    }

    struct State {
        var bytes: [UInt8] = []
        /// Where each line starts in `bytes`, and when it started.
        var lines: [(offset: Int, time: Date)] = []
        var ended = false
        var followers: [Int: Follower] = [:]
        var nextFollower = 0
    }

    let state = Mutex(State())

    public init() {}

    /// Adds output that arrived at `time` and passes it to every follower.
    public func append(_ chunk: some Collection<UInt8>, at time: Date = Date()) {
        guard !chunk.isEmpty else { return }
        let chunk = Array(chunk)
        let outgoing = state.withLock { s -> [(PodLogStream.Continuation, [UInt8])] in
            guard !s.ended else { return [] }
            var lineStart = s.bytes.isEmpty || s.bytes.last == UInt8(ascii: "\n")
            for (i, byte) in chunk.enumerated() {
                if lineStart { s.lines.append((s.bytes.count + i, time)) }
                lineStart = byte == UInt8(ascii: "\n")
            }
            s.bytes += chunk
            // Rotate a quarter at a time, so a chatty process does not pay for it on every write.
            if s.bytes.count > Self.maxBytes { s.drop(s.bytes.count - Self.maxBytes * 3 / 4) }
            var out: [(PodLogStream.Continuation, [UInt8])] = []
            for (id, var f) in s.followers {
                out.append((f.continuation, f.stamps ? Self.stamped(chunk, at: time, lineStart: &f.atLineStart) : chunk))
                s.followers[id] = f
            }
            return out
        }
        for (continuation, bytes) in outgoing { continuation.yield(bytes) }
    }

    public func append(_ text: String, at time: Date = Date()) { append(Array(text.utf8), at: time) }

    /// The container has ended: followers finish after what they have.
    public func end() {
        let followers = state.withLock { s -> [Follower] in
            s.ended = true
            defer { s.followers.removeAll() }
            return Array(s.followers.values)
        }
        for f in followers { f.continuation.finish() }
    }

    public var bytes: [UInt8] { state.withLock { $0.bytes } }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var hasEnded: Bool { state.withLock { $0.ended } }

    /// The last `tailLines` lines (all when nil) of those that started at or after `since`, each prefixed
    /// with its RFC 3339 time when `timestamps`; then, with `follow`, new output until the container ends.
    public func stream(tailLines: Int?, follow: Bool, since: Date? = nil, timestamps: Bool = false) -> PodLogStream {
        let (stream, continuation) = PodLogStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let id = state.withLock { s -> Int? in
            var start = tailLines.map { Self.tailStart(s.bytes, lines: $0) } ?? 0
            if let since { start = max(start, s.lines.first { $0.time >= since }?.offset ?? s.bytes.count) }
            if start < s.bytes.count {
                continuation.yield(timestamps ? s.stampedLines(from: start) : Array(s.bytes[start...]))
            }
            guard follow, !s.ended else { return nil }
            let id = s.nextFollower
            s.nextFollower += 1
            s.followers[id] = Follower(continuation: continuation, stamps: timestamps,
                                       atLineStart: s.bytes.isEmpty || s.bytes.last == UInt8(ascii: "\n"))
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.followers.removeValue(forKey: id) }
        }
        return stream
    }

    /// `chunk` with a time prefix at each line start (`lineStart` carries over between chunks).
    static func stamped(_ chunk: [UInt8], at time: Date, lineStart: inout Bool) -> [UInt8] {
        let prefix = Array((KubeTime.formatNano(time) + " ").utf8)
        var out: [UInt8] = []
        out.reserveCapacity(chunk.count + prefix.count)
        for byte in chunk {
            if lineStart { out += prefix }
            out.append(byte)
            lineStart = byte == UInt8(ascii: "\n")
        }
        return out
    }

    /// Where the last `lines` lines of `bytes` start (a final line without newline counts as a line).
    static func tailStart(_ bytes: [UInt8], lines: Int) -> Int {
        guard lines > 0 else { return bytes.count }
        var remaining = lines
        var i = bytes.count - 1
        if i >= 0, bytes[i] == UInt8(ascii: "\n") { i -= 1 }
        while i >= 0 {
            if bytes[i] == UInt8(ascii: "\n") {
                remaining -= 1
                if remaining == 0 { return i + 1 }
            }
            i -= 1
        }
        return 0
    }

    /// The kubelet's FallbackToLogsOnError message: the last 80 lines, at most 2048 bytes.
    public var fallbackMessage: String {
        let all = bytes
        var start = Self.tailStart(all, lines: 80)
        if all.count - start > 2048 { start = all.count - 2048 }
        return String(decoding: all[start...], as: UTF8.self)
    }
}

extension ContainerLog.State {
    /// Forgets at least the first `count` bytes (rotation), up to a line start, shifting the line index.
    mutating func drop(_ count: Int) {
        let cut = lines.first { $0.offset >= count }?.offset ?? count
        bytes.removeFirst(cut)
        lines = lines.compactMap { $0.offset >= cut ? ($0.offset - cut, $0.time) : nil }
    }

    /// The bytes from `start` (a line start) with each line prefixed by its time.
    func stampedLines(from start: Int) -> [UInt8] {
        var out: [UInt8] = []
        var index = lines.firstIndex { $0.offset >= start } ?? lines.count
        while index < lines.count {
            let end = index + 1 < lines.count ? lines[index + 1].offset : bytes.count
            out += Array((KubeTime.formatNano(lines[index].time) + " ").utf8)
            out += bytes[lines[index].offset..<end]
            index += 1
        }
        return out
    }
}
