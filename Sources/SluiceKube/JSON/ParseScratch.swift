/// A stack the parser collects members and items on before it knows how many there are. Each finished
/// object or array moves its elements out into an array of exactly that size: no growth copies while
/// parsing and no spare capacity kept in documents (an informer holds thousands of them).
final class ParseScratch<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    func push(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    private func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Moves the elements pushed since `start` into a new array and drops them from the stack.
    func pop(from start: Int) -> [Element] {
        let k = count - start
        guard k > 0 else { return [] }
        let array = [Element](unsafeUninitializedCapacity: k) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: base + start, count: k)
            initialized = k
        }
        count = start
        return array
    }
}
