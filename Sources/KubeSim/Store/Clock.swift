import Foundation
import SluiceKube

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock helpers for metadata timestamps (RFC 3339, UTC, as the API server writes them).
enum WallClock {
    static var nowSeconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }

    /// `2026-11-25T19:11:29Z`
    static func rfc3339(_ seconds: Int64 = nowSeconds) -> String {
        RFC3339.format(Date(timeIntervalSince1970: Double(seconds)), fractionDigits: 0)
    }

    /// A random lowercase UUID string for metadata.uid.
    static func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { b -> String in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// The 5-character suffix appended to generateName.
    static func nameSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }
}
