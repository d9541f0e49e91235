import Foundation

/// The JSON coding of the wire: the server writes sorted keys and unescaped slashes, so replies are stable
/// byte for byte; both sides decode with a plain decoder.
public enum WireJSON {
    /// Encodes `value` as the server sends it.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Decodes a body as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(T.self, from: data)
    }
}
