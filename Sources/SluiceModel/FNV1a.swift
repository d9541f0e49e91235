/// FNV-1a, 64 bits: a stable hash of bytes (unlike `Hasher`, the same in every process), for short names and
/// validators derived from content.
public enum FNV1a {
    public static func hash<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
