#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Remembers strings longer than Swift's inline small-string limit (15 bytes), so that a stream of
/// similar documents (a watch, a list) shares one heap string per member name or repeated value instead
/// of allocating a copy per occurrence: `lastTransitionTime` in every condition of every pod, the same
/// image name in every pod. Direct-mapped, 1024 slots; a colliding string simply replaces the slot.
/// One owner at a time (not thread-safe).
final class KeyCache {
    private struct Slot {
        var hash: UInt64 = 0
        var string = ""
    }

    private var slots = [Slot](repeating: Slot(), count: 1024)

    /// The string for `bytes` (UTF-8, no escapes), shared with earlier documents when seen before.
    func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let index = Int(hash & 1023)
        if slots[index].hash == hash {
            let cached = slots[index].string
            let same = cached.utf8.count == bytes.count
                && cached.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 } == true
            if same { return cached }
        }
        let string = String(decoding: bytes, as: UTF8.self)
        slots[index] = Slot(hash: hash, string: string)
        return string
    }
}
