/// One frame of a container's multiplexed log or attach stream.
public struct LogFrame: Sendable, Hashable {
    /// Which stream the bytes were written to.
    public enum Stream: UInt8, Sendable {
        case stdin = 0, stdout = 1, stderr = 2
    }

    public var stream: Stream
    public var bytes: [UInt8]

    public init(stream: Stream, bytes: [UInt8]) {
        self.stream = stream
        self.bytes = bytes
    }
}

/// Splits the engine's multiplexed stream (containers created without a TTY) into frames. Each frame has
/// an 8-byte header: byte 0 the stream (0 stdin, 1 stdout, 2 stderr), bytes 1-3 zero, bytes 4-7 the
/// payload length, big-endian. Chunks from the network may split a header or a payload anywhere.
public struct LogDemuxer: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Bytes still waiting for the rest of their frame.
    public var bufferedBytes: Int { pending.count }

    /// Feeds a chunk; returns the frames it completed, in order.
    public mutating func feed(_ chunk: some Collection<UInt8>) -> [LogFrame] {
        pending.append(contentsOf: chunk)
        var frames: [LogFrame] = []
        var at = 0
        while pending.count - at >= 8 {
            let length = Int(pending[at + 4]) << 24 | Int(pending[at + 5]) << 16 | Int(pending[at + 6]) << 8 | Int(pending[at + 7])
            guard pending.count - at - 8 >= length else { break }
            let stream = LogFrame.Stream(rawValue: pending[at]) ?? .stdout
            frames.append(LogFrame(stream: stream, bytes: Array(pending[(at + 8)..<(at + 8 + length)])))
            at += 8 + length
        }
        if at > 0 { pending.removeFirst(at) }
        return frames
    }
}
