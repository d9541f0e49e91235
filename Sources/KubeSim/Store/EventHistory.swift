/// The last N events of every resource, for watches that resume from a resourceVersion.
struct EventHistory {
    let capacity: Int
    private var ring: [WatchEvent] = []
    private var start = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        ring.reserveCapacity(min(self.capacity, 1 << 16))
    }

    mutating func append(_ event: WatchEvent) {
        if ring.count < capacity {
            ring.append(event)
        } else {
            ring[start] = event
            start = (start + 1) % capacity
        }
    }

    private func at(_ i: Int) -> WatchEvent { ring[(start + i) % ring.count] }

    /// The resourceVersion of the oldest event kept; nil while empty.
    var oldestResourceVersion: Int64? { ring.isEmpty ? nil : at(0).resourceVersion }

    /// Events with a resourceVersion above `rv`, oldest first; nil when some of them are no longer kept.
    func events(after rv: Int64, current: Int64) -> [WatchEvent]? {
        guard let oldest = oldestResourceVersion else { return rv >= current ? [] : nil }
        if rv < oldest - 1 { return nil }
        var low = 0, high = ring.count
        while low < high {
            let mid = (low + high) / 2
            if at(mid).resourceVersion <= rv { low = mid + 1 } else { high = mid }
        }
        return (low..<ring.count).map(at)
    }
}
