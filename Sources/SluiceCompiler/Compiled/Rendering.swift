import Foundation
import Yams

/// Renders compiled flows and diagnostics as JSON or YAML with a stable key order.
public enum Rendering {
    /// Pretty JSON with sorted keys, so the same flow always renders to the same bytes.
    public static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// YAML with sorted keys.
    public static func yaml<T: Encodable>(_ value: T) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return try encoder.encode(value)
    }
}
