import Foundation

/// A value bound to a statement parameter. JSON documents are stored as TEXT so that
/// `sqlite3 sluice.db` shows them and `json_extract` can read them.
enum SQLValue {
    case null
    case integer(Int64)
    case text(String)
    /// UTF-8 JSON bytes, stored as TEXT without re-encoding.
    case json(Data)

    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Int32?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Date?) { self = value.map { .integer($0.millisecondsSince1970) } ?? .null }
    init(_ value: Data?) { self = value.map { .json($0) } ?? .null }
}

extension Date {
    /// Milliseconds since 1970, to the nearest: the unit every timestamp column uses.
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(millisecondsSince1970 ms: Int64) {
        self.init(timeIntervalSince1970: Double(ms) / 1000)
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
