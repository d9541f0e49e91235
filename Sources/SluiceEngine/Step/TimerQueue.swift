/// Wake-up times of nodes, earliest first and by node id within one time (so the order does not depend on the
/// order they were pushed in); stale entries (the node's time changed) are skipped lazily.
struct TimerQueue {
    private var heap: [(at: Int64, id: String)] = []

    mutating func push(_ at: Timestamp, _ id: String) {
        heap.append((at.milliseconds, id))
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !Self.before(heap[i], heap[p]) { break }
            heap.swapAt(p, i)
            i = p
        }
    }

    var first: (at: Int64, id: String)? { heap.first }

    mutating func pop() -> (at: Int64, id: String)? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, Self.before(heap[l], heap[m]) { m = l }
                if r < heap.count, Self.before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }

    mutating func removeAll() { heap.removeAll() }

    private static func before(_ a: (at: Int64, id: String), _ b: (at: Int64, id: String)) -> Bool {
        a.at != b.at ? a.at < b.at : a.id < b.id
    }
}
