/// A point in time as milliseconds since the Unix epoch; what the engine and store agree on.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    public static func + (t: Timestamp, d: Int64) -> Timestamp { Timestamp(milliseconds: t.milliseconds + d) }

    /// Milliseconds from `earlier` to `self`.
    public func since(_ earlier: Timestamp) -> Int64 { milliseconds - earlier.milliseconds }

    public var description: String { "\(milliseconds)ms" }

    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(milliseconds)
    }
}

/// Where the engine's callers read the time; tests pass a manual clock so nothing sleeps.
public protocol Clock: Sendable {
    func now() -> Timestamp
}
