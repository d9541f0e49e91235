import Foundation

/// A small fixed set of dedicated threads that run blocking store work (SQLite on disk, waits on other
/// processes' write locks) in submission order, so it never occupies a thread of Swift's cooperative pool
/// (two threads on a two-core machine: two blocked handlers would stall every request).
public final class StoreThreads: @unchecked Sendable {
    /// The threads every `AsyncStore` of this process shares.
    public static let shared = StoreThreads(count: 4, name: "sluice-store")

    /// How many threads run jobs.
    public let count: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var members: [pthread_t] = []

    /// Starts `count` threads named `name-1` ... `name-count`; they live as long as the process.
    public init(count: Int, name: String) {
        precondition(count > 0, "a store thread set needs at least one thread")
        self.count = count
        for i in 1...count {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(i)"
            thread.start()
        }
    }

    /// Queues `job`; the next free thread runs it.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Whether the calling thread is one of these (what a test checks: store work never runs on the pool).
    public var ownsCurrentThread: Bool {
        let me = pthread_self()
        return condition.withLock { members.contains { pthread_equal($0, me) != 0 } }
    }

    private func work() {
        condition.withLock { members.append(pthread_self()) }
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            // Drop the run part of the queue once it is long, so it does not grow for the process's life.
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
