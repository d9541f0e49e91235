import Synchronization

/// A live watch on the store: events arrive in resourceVersion order; read them in batches or one by one.
///
/// The store pushes under its lock and never waits; a reader that falls `maxPending` events behind is
/// ended (as the real server drops slow watchers) and sees `endReason == .tooSlow`.
public final class WatchSubscription: Sendable, AsyncSequence {
    public typealias Element = WatchEvent

    /// Why a subscription ended.
    public enum EndReason: Sendable, Equatable { case cancelled, tooSlow, storeStopped }

    struct Buffer {
        var pending: [WatchEvent] = []
        var waiter: CheckedContinuation<Void, Never>?
        var ended: EndReason?
    }

    let id: Int
    let type: SimResource
    let namespace: String?
    let filter: ObjectFilter
    let maxPending: Int
    /// The store's resourceVersion when the watch began (after its replayed or synthetic events).
    public let startResourceVersion: Int64
    let buffer = Mutex(Buffer())
    let onCancel: @Sendable (Int) -> Void
    /// The store's resourceVersion now (read under the store's lock, where events are pushed).
    let storeResourceVersion: @Sendable () -> Int64

    init(id: Int, type: SimResource, namespace: String?, filter: ObjectFilter, maxPending: Int, startResourceVersion: Int64,
         storeResourceVersion: @escaping @Sendable () -> Int64 = { 0 }, onCancel: @escaping @Sendable (Int) -> Void) {
        self.storeResourceVersion = storeResourceVersion
        self.id = id
        self.type = type
        self.namespace = namespace
        self.filter = filter
        self.maxPending = maxPending
        self.startResourceVersion = startResourceVersion
        self.onCancel = onCancel
    }

    /// Whether an event for this object concerns this watch (type and namespace; selectors are applied by `deliver`).
    func wants(_ object: StoredObject) -> Bool {
        object.type == type && (namespace == nil || object.namespace == namespace)
    }

    /// Called by the store, under its lock.
    func push(_ event: WatchEvent) {
        guard let event = filtered(event) else { return }
        let waiter: CheckedContinuation<Void, Never>? = buffer.withLock { b in
            guard b.ended == nil else { return nil }
            if b.pending.count >= maxPending {
                b.ended = .tooSlow
                b.pending.removeAll()
            } else {
                b.pending.append(event)
            }
            defer { b.waiter = nil }
            return b.waiter
        }
        waiter?.resume()
    }

    /// Applies the selectors: a modified object that enters the selection is ADDED, one that leaves it DELETED.
    func filtered(_ event: WatchEvent) -> WatchEvent? {
        if filter.isEmpty { return event }
        let now = filter.matches(event.object.object)
        guard event.type == .modified else { return now ? event : nil }
        let before = event.previous.map { filter.matches($0.object) } ?? false
        switch (before, now) {
        case (true, true): return event
        case (false, true): return WatchEvent(type: .added, object: event.object)
        case (true, false): return WatchEvent(type: .deleted, object: event.object)
        case (false, false): return nil
        }
    }

    func end(_ reason: EndReason) {
        let waiter: CheckedContinuation<Void, Never>? = buffer.withLock { b in
            if b.ended == nil { b.ended = reason }
            defer { b.waiter = nil }
            return b.waiter
        }
        waiter?.resume()
    }

    /// Why the subscription ended, once it has.
    /// The version this watch has seen everything up to, when nothing is waiting to be sent: the store's
    /// current version (a bookmark may carry it, like the real watch cache's progress notifications).
    /// Every event up to that version was pushed before it could be read, so an empty queue means none is
    /// missing.
    public func progressResourceVersion() -> Int64? {
        let rv = storeResourceVersion()
        return buffer.withLock { $0.pending.isEmpty } ? rv : nil
    }

    public var endReason: EndReason? { buffer.withLock { $0.ended } }

    /// The events pending right now, without waiting; nil when there are none.
    public func pendingNow() -> [WatchEvent]? {
        buffer.withLock { b in
            guard !b.pending.isEmpty else { return nil }
            defer { b.pending.removeAll(keepingCapacity: true) }
            return b.pending
        }
    }

    /// Waits for the next events (all that are pending); empty when woken by `wake()` with nothing new;
    /// nil once the subscription has ended and is drained.
    public func nextBatch() async -> [WatchEvent]? {
        do {
            let ready: [WatchEvent]?? = buffer.withLock { b in
                if !b.pending.isEmpty {
                    defer { b.pending.removeAll(keepingCapacity: true) }
                    return .some(b.pending)
                }
                if b.ended != nil { return .some(nil) }
                return nil
            }
            if let ready { return ready }
            if Task.isCancelled { return nil }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = buffer.withLock { b in
                        if !b.pending.isEmpty || b.ended != nil || Task.isCancelled { return true }
                        b.waiter = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            } onCancel: {
                self.wake()
            }
            return pendingNow() ?? (endReason != nil ? nil : [])
        }
    }

    /// Resumes a waiting reader without an event (for cancellation and timers).
    public func wake() {
        let waiter = buffer.withLock { b in
            defer { b.waiter = nil }
            return b.waiter
        }
        waiter?.resume()
    }

    /// Stops the subscription and unregisters it from the store.
    public func cancel() {
        end(.cancelled)
        onCancel(id)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: WatchSubscription
        var queued: [WatchEvent] = []
        var index = 0

        public mutating func next() async -> WatchEvent? {
            if index < queued.count {
                defer { index += 1 }
                return queued[index]
            }
            var batch: [WatchEvent] = []
            while batch.isEmpty {
                guard let next = await subscription.nextBatch() else { return nil }
                batch = next
            }
            queued = batch
            index = 1
            return batch[0]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}
