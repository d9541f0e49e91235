import SluiceModel

/// One result row: the values in column order, and by column name.
struct Row: Sendable {
    var ordered: [LiteralValue] = []
    var values: [String: LiteralValue] = [:]
    var first: LiteralValue? { ordered.first }

    mutating func append(_ name: String, _ value: LiteralValue) {
        ordered.append(value)
        values[name] = value
    }
}
