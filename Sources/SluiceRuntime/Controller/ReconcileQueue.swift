import Foundation

/// A work queue keyed by run id, shaped like client-go's: a key waiting is queued once however often it is
/// added; a key being processed is handed to no second worker, and an add meanwhile queues it again once
/// the first worker is done. Delayed adds (timers, backoff) move to the queue when due; rate-limited adds
/// back off exponentially per key until `forget`. Workers are threads of their own, never the Swift pool.
final class ReconcileQueue<Key: Hashable & Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let clock: any ControllerClock
    // Guarded by `condition`.
    private var ready: [Key] = []
    private var head = 0
    private var dirty = Set<Key>()
    private var processing = Set<Key>()
    private var delayed: [Key: Date] = [:]
    private var nextDue: Date?
    private var failures: [Key: Int] = [:]
    private var shuttingDown = false
    private var threads: [Thread] = []
    private var busyWorkers = 0
    /// First and longest delay of rate-limited re-adds.
    let backoffBase: TimeInterval
    let backoffMax: TimeInterval

    init(clock: any ControllerClock, backoffBase: TimeInterval = 0.05, backoffMax: TimeInterval = 30) {
        self.clock = clock
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        clock.onAdvance { [weak self] in self?.wakeAll() }
    }

    /// Starts `count` worker threads calling `handle` for one key at a time.
    func startWorkers(_ count: Int, name: String, handle: @escaping @Sendable (Key) -> Void) {
        for i in 0..<count {
            let threadName = "\(name)\(i)"
            let t = Thread { [self] in
                nameThisThread(threadName)
                while let key = get() {
                    // A key added again while it was handled (its attempt's start arrived) goes on on this
                    // thread: no hand-over to another worker; a few rounds at most, so others get their turn.
                    var rounds = 0
                    repeat {
                        handle(key)
                        rounds += 1
                    } while rounds < 8 && continueWith(key)
                    done(key)
                }
            }
            t.name = threadName
            t.stackSize = 1 << 20
            condition.withLock { threads.append(t) }
            t.start()
        }
    }

    /// Queues `key` now.
    func add(_ key: Key) {
        condition.withLock { enqueue(key) }
    }

    /// Queues `key` at `date` (clock time); an earlier pending delay for the key wins.
    func add(_ key: Key, at date: Date) {
        condition.withLock {
            if date <= clock.now().addingTimeInterval(0.001) { return enqueue(key) }
            if let existing = delayed[key], existing <= date { return }
            delayed[key] = date
            if nextDue.map({ date < $0 }) ?? true { nextDue = date }
            condition.broadcast()
        }
    }

    /// Queues `key` after a delay that doubles with each consecutive failure of the key.
    func addRateLimited(_ key: Key) {
        let delay: TimeInterval = condition.withLock {
            let n = failures[key, default: 0]
            failures[key] = n + 1
            return min(backoffMax, backoffBase * pow(2, Double(min(n, 30))))
        }
        add(key, at: clock.now().addingTimeInterval(delay))
    }

    /// Resets the key's backoff after it was handled successfully.
    func forget(_ key: Key) {
        condition.withLock { _ = failures.removeValue(forKey: key) }
    }

    /// Drops a key's pending delayed add (its run ended or moved away).
    func cancelDelayed(_ key: Key) {
        condition.withLock { if delayed.removeValue(forKey: key) != nil { nextDue = delayed.values.min() } }
    }

    /// Stops handing out keys; workers finish the key in hand and end.
    func shutdown() {
        condition.withLock {
            shuttingDown = true
            condition.broadcast()
        }
    }

    /// After `shutdown`: waits (at most `timeout`) until no worker is handling a key.
    func waitForWorkers(timeout: TimeInterval = 10) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !processing.isEmpty, Date() < deadline {
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.01)))
        }
    }

    /// Whether nothing is queued, due or being handled (delayed keys not yet due do not count).
    var isIdle: Bool {
        condition.withLock { ready.count == head && processing.isEmpty }
    }

    private func wakeAll() { condition.withLock { condition.broadcast() } }

    private func enqueue(_ key: Key) {
        guard !dirty.contains(key) else { return }
        dirty.insert(key)
        if processing.contains(key) { return }
        ready.append(key)
        condition.signal()
    }

    /// The next key, waiting for one; nil when shutting down.
    private func get() -> Key? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if shuttingDown { return nil }
            promoteDue()
            if head < ready.count {
                let key = ready[head]
                head += 1
                if head > 1024, head * 2 > ready.count {
                    ready.removeFirst(head)
                    head = 0
                }
                dirty.remove(key)
                processing.insert(key)
                return key
            }
            if let due = nextDue {
                // Clock time to wall time: a manual clock wakes us through `onAdvance` instead.
                let wait = max(0.001, min(due.timeIntervalSince(clock.now()), 60))
                _ = condition.wait(until: Date().addingTimeInterval(wait))
            } else {
                condition.wait()
            }
        }
    }

    /// Whether `key` was added while it was handled; if so it stays with the caller, taken off the queue.
    private func continueWith(_ key: Key) -> Bool {
        condition.withLock {
            guard !shuttingDown, dirty.contains(key) else { return false }
            dirty.remove(key)
            return true
        }
    }

    private func done(_ key: Key) {
        condition.withLock {
            processing.remove(key)
            if dirty.contains(key) {
                ready.append(key)
                condition.signal()
            }
        }
    }

    private func promoteDue() {
        // Run times are whole milliseconds: a time rounded up to the next one is due now, not after it.
        let now = clock.now().addingTimeInterval(0.001)
        guard let due = nextDue, due <= now else { return }
        for (key, date) in delayed where date <= now {
            delayed[key] = nil
            guard !dirty.contains(key) else { continue }
            dirty.insert(key)
            if !processing.contains(key) { ready.append(key) }
        }
        nextDue = delayed.values.min()
    }
}

/// Names the calling thread for `ps`, `top` and /proc (Linux keeps 15 bytes).
func nameThisThread(_ name: String) {
    #if os(Linux)
    // pthread_setname_np and prctl do not import into Swift; the kernel takes the name here too.
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    #endif
}
