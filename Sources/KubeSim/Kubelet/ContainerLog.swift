import Synchronization

/// One run of one container's output (stdout and stderr merged), with readers that follow it.
public final class ContainerLog: Sendable {
    /// Output past this is dropped from the front, like a rotated log.
    public static let maxBytes = 4 << 20

    struct State {
        var bytes: [UInt8] = []
        var ended = false
        var followers: [Int: PodLogStream.Continuation] = [:]
        var nextFollower = 0
    }

    let state = Mutex(State())

    public init() {}

    /// Adds output and passes it to every follower.
    public func append(_ chunk: some Collection<UInt8>) {
        guard !chunk.isEmpty else { return }
        let chunk = Array(chunk)
        let followers = state.withLock { s -> [PodLogStream.Continuation] in
            guard !s.ended else { return [] }
            s.bytes += chunk
            if s.bytes.count > Self.maxBytes { s.bytes.removeFirst(s.bytes.count - Self.maxBytes) }
            return Array(s.followers.values)
        }
        for f in followers { f.yield(chunk) }
    }

    public func append(_ text: String) { append(Array(text.utf8)) }

    /// The container has ended: followers finish after what they have.
    public func end() {
        let followers = state.withLock { s -> [PodLogStream.Continuation] in
            s.ended = true
            defer { s.followers.removeAll() }
            return Array(s.followers.values)
        }
        for f in followers { f.finish() }
    }

    public var bytes: [UInt8] { state.withLock { $0.bytes } }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var hasEnded: Bool { state.withLock { $0.ended } }

    /// The last `tailLines` lines (all when nil), then, with `follow`, new output until the container ends.
    public func stream(tailLines: Int?, follow: Bool) -> PodLogStream {
        let (stream, continuation) = PodLogStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let id = state.withLock { s -> Int? in
            let start = tailLines.map { Self.tailStart(s.bytes, lines: $0) } ?? 0
            if start < s.bytes.count { continuation.yield(Array(s.bytes[start...])) }
            guard follow, !s.ended else { return nil }
            let id = s.nextFollower
            s.nextFollower += 1
            s.followers[id] = continuation
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
