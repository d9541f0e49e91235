import Hummingbird
import NIOCore
import SluiceKube

/// Streams a watch as newline-delimited JSON events over a chunked response, one write per ready batch.
struct WatchResponder: Sendable {
    let subscription: WatchSubscription
    let kind: String
    let apiVersion: String
    let bookmarks: Bool
    let bookmarkInterval: Duration
    let timeout: Duration?
    /// Injected faults: drop the connection, or end the stream cleanly, after this many events.
    let dropAfter: Int?
    let closeAfter: Int?
    /// Renders a stored object for this watch's API version (events.k8s.io views core events); nil sends the cached bytes.
    var render: (@Sendable (StoredObject) -> [UInt8])? = nil

    struct Dropped: Error {}

    func append(_ event: WatchEvent, to out: inout [UInt8]) {
        if let render {
            out.append(contentsOf: WatchEvent.line(event.type.rawValue, render(event.object)))
        } else {
            event.appendLine(to: &out)
        }
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache, private"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await self.stream(&writer)
        })
    }

    func stream(_ writer: inout any ResponseBodyWriter) async throws {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        var nextBookmark = clock.now + bookmarkInterval
        var lastRV = subscription.startResourceVersion
        var sent = 0
        // Wakes the loop for bookmarks and the timeout; a plain watch needs no timer.
        let ticker = Task { [subscription, bookmarkInterval, bookmarks] in
            while !Task.isCancelled, bookmarks || deadline != nil {
                var wait = bookmarkInterval
                if let deadline { wait = min(wait, max(.milliseconds(1), deadline - clock.now)) }
                try? await Task.sleep(for: wait)
                subscription.wake()
            }
        }
        defer {
            ticker.cancel()
            subscription.cancel()
        }
        if closeAfter == 0 { try await writer.finish(nil); return }
        if dropAfter == 0 { throw Dropped() }
        /// Writes `batch`, cut at the injected limits (which count every event sent, the initial burst
        /// included); true when the watch should now end cleanly. Throws `Dropped` for `drop-after`.
        func send(_ batch: [WatchEvent]) async throws -> Bool {
            guard !batch.isEmpty else { return false }
            let limit = (dropAfter ?? closeAfter).map { min(batch.count, $0 - sent) } ?? batch.count
            var out: [UInt8] = []
            out.reserveCapacity(batch.prefix(limit).reduce(0) { $0 + $1.object.bytes.count + 40 })
            for event in batch.prefix(limit) { append(event, to: &out) }
            if !out.isEmpty { try await writer.write(ByteBuffer(bytes: out)) }
            sent += limit
            if limit > 0 { lastRV = max(lastRV, batch[limit - 1].resourceVersion) }
            if let n = dropAfter, sent >= n { throw Dropped() }
            if let n = closeAfter, sent >= n { return true }
            return false
        }
        // The initial burst (ADDED or replayed events) is pending already: send it, then a bookmark.
        if bookmarks, let first = subscription.pendingNow() {
            if try await send(first) { try await writer.finish(nil); return }
            try await writer.write(ByteBuffer(bytes: bookmark(lastRV)))
        }
        while true {
            if let deadline, clock.now >= deadline { break }
            guard let batch = await subscription.nextBatch() else { break }
            if try await send(batch) { break }
            if bookmarks, clock.now >= nextBookmark {
                if let progress = subscription.progressResourceVersion() { lastRV = max(lastRV, progress) }
                try await writer.write(ByteBuffer(bytes: bookmark(lastRV)))
                nextBookmark = clock.now + bookmarkInterval
            }
        }
        if subscription.endReason == .tooSlow {
            let error = SimStatusError(code: 500, reason: "InternalError", message: "watch consumer too slow: event buffer full")
            try await writer.write(ByteBuffer(bytes: WatchEvent.line("ERROR", JSONValue.object(error.status).serialized())))
        }
        try await writer.finish(nil)
    }

    func bookmark(_ rv: Int64) -> [UInt8] {
        let object: JSONObject = ["kind": .string(kind), "apiVersion": .string(apiVersion),
                                  "metadata": ["resourceVersion": .string(String(rv))]]
        return WatchEvent.line("BOOKMARK", JSONValue.object(object).serialized())
    }

    /// The one-event stream for a watch whose resourceVersion is too old (`--watch-410 error`).
    static func expired(_ error: SimStatusError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let line = WatchEvent.line("ERROR", JSONValue.object(error.status).serialized())
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(bytes: line))
            try await writer.finish(nil)
        })
    }
}
