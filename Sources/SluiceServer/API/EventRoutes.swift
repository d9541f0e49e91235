import Foundation
import Hummingbird
import SluiceAPI
import SluiceStore

/// A run's events: a JSON page after a cursor, or a server-sent event stream resumable with `Last-Event-ID`.
struct EventRoutes {
    let store: Store
    var db: AsyncStore { AsyncStore(store) }
    /// Set when the server stops: streams end, and clients reconnect with `Last-Event-ID` elsewhere.
    let stopping: StopSignal
    /// How often the stream looks for new events.
    var poll: Duration = .milliseconds(100)
    /// A comment line after this long without events, so a client that went away is noticed.
    var keepAlive: Duration = .seconds(15)

    func add(to router: Router<APIContext>) {
        router.get("/api/v1/runs/:id/events") { request, context in try await page(request, id: RunRef.resolve(context.parameters.require("id"), db)) }
        router.get("/api/v1/runs/:id/events/stream") { request, context in try await stream(request, id: RunRef.resolve(context.parameters.require("id"), db)) }
        router.get("/api/v1/events/stream") { request, _ in try await stream(request, id: nil) }
    }

    func page(_ request: Request, id: String) async throws -> Response {
        let query = request.uri.queryParameters
        let after = try Self.sequence(query["after"].map(String.init), field: "after") ?? 0
        var limit = 1000
        if let l = query["limit"] {
            guard let n = Int(String(l)), (1...10_000).contains(n) else {
                throw APIError(.unprocessableContent, code: "invalid-query", "limit must be a whole number from 1 to 10000", field: "limit")
            }
            limit = n
        }
        let (count, from) = (limit, after)
        let events = try await db.run { store -> [StoredEvent]? in
            guard try store.runSummary(id) != nil else { return nil }
            return try store.events(runID: id, afterSeq: from, limit: count)
        }
        guard let events else { throw APIError(.notFound, code: "no-run", "no run '\(id)'") }
        return try JSONResponse.make(.ok, EventPage(events: events.map(EventView.init), next_after: events.last?.seq ?? after))
    }

    /// `text/event-stream`: each event once, `id:` its seq. Of one run (`id`), it ends when the run has finished
    /// and every event was sent; of every run (`id` nil), it runs until the client leaves or the server stops and,
    /// without `Last-Event-ID` or `after`, starts with the events that come next.
    func stream(_ request: Request, id: String?) async throws -> Response {
        let lastID = request.headers[HeaderName("Last-Event-ID")!]
        let asked = try Self.sequence(lastID, field: "Last-Event-ID") ?? Self.sequence(request.uri.queryParameters["after"].map(String.init), field: "after")
        let start: Int64
        if let id {
            guard try await db.run({ try $0.runSummary(id) }) != nil else { throw APIError(.notFound, code: "no-run", "no run '\(id)'") }
            start = asked ?? 0
        } else if let asked {
            start = asked
        } else {
            start = try await db.run { try $0.latestEventSeq() }
        }
        let db = self.db, poll = self.poll, keepAlive = self.keepAlive, stopping = self.stopping
        let body = ResponseBody { writer in
            var last = start
            var quietSince = ContinuousClock.now
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            while !Task.isCancelled && !stopping.isSet {
                // Read the state before the events: a run's last events are committed with its final state.
                let from = last
                let (finished, events) = try await db.run { store in
                    (try id.map { try store.runSummary($0)?.state.isFinal ?? true } ?? false, try store.events(runID: id, afterSeq: from, limit: 500))
                }
                if events.isEmpty {
                    if finished { break }
                    if ContinuousClock.now - quietSince > keepAlive {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        quietSince = .now
                    }
                    try await Task.sleep(for: poll)
                    continue
                }
                var text = ""
                for e in events {
                    let json = String(decoding: try WireJSON.encode(EventView(e)), as: UTF8.self)
                    text += "id: \(e.seq)\ndata: \(json)\n\n"
                }
                try await writer.write(ByteBuffer(string: text))
                last = events.last!.seq
                quietSince = .now
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func sequence(_ text: String?, field: String) throws -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard let n = Int64(text), n >= 0 else {
            throw APIError(.unprocessableContent, code: "invalid-query", "\(field) must be an event sequence number", field: field)
        }
        return n
    }
}

extension EventView {
    /// A stored event as the API shows it.
    init(_ e: StoredEvent) {
        // Only `progress` events carry data the API shows (their report); other data stays internal.
        let progress = e.kind == "progress" ? e.data.flatMap { try? JSONDecoder().decode(ProgressReport.self, from: $0) } : nil
        self.init(seq: e.seq, run: e.runID, time: Time.iso(e.time), kind: e.kind, node: e.nodeID, attempt: e.attempt, message: e.message,
                  progress: progress)
    }
}
