import Foundation
import Hummingbird
import SluiceStore

/// A run's events: a JSON page after a cursor, or a server-sent event stream resumable with `Last-Event-ID`.
struct EventRoutes {
    let store: Store
    /// Set when the server stops: streams end, and clients reconnect with `Last-Event-ID` elsewhere.
    let stopping: StopSignal
    /// How often the stream looks for new events.
    var poll: Duration = .milliseconds(100)
    /// A comment line after this long without events, so a client that went away is noticed.
    var keepAlive: Duration = .seconds(15)

    func add(to router: Router<APIContext>) {
        router.get("/api/v1/runs/:id/events") { request, context in try page(request, id: context.parameters.require("id")) }
        router.get("/api/v1/runs/:id/events/stream") { request, context in try stream(request, id: context.parameters.require("id")) }
    }

    /// One event as the API shows it.
    struct EventView: Encodable {
        var seq: Int64
        var run: String
        var time: String
        var kind: String
        var node: String?
        var attempt: Int?
        var message: String

        init(_ e: StoredEvent) {
            seq = e.seq
            run = e.runID
            time = Time.iso(e.time)
            kind = e.kind
            node = e.nodeID
            attempt = e.attempt
            message = e.message
        }
    }

    struct EventPage: Encodable {
        var events: [EventView]
        /// Pass as `after` for the next page.
        var next_after: Int64
    }

    func page(_ request: Request, id: String) throws -> Response {
        let query = request.uri.queryParameters
        let after = try Self.sequence(query["after"].map(String.init), field: "after") ?? 0
        var limit = 1000
        if let l = query["limit"] {
            guard let n = Int(String(l)), (1...10_000).contains(n) else {
                throw APIError(.unprocessableContent, code: "invalid-query", "limit must be a whole number from 1 to 10000", field: "limit")
            }
            limit = n
        }
        guard try store.runSummary(id) != nil else { throw APIError(.notFound, code: "no-run", "no run '\(id)'") }
        let events = try store.events(runID: id, afterSeq: after, limit: limit)
        return JSONResponse.make(.ok, EventPage(events: events.map(EventView.init), next_after: events.last?.seq ?? after))
    }

    /// `text/event-stream`: each event once, `id:` its seq; ends when the run has finished and every event was sent.
    func stream(_ request: Request, id: String) throws -> Response {
        let lastID = request.headers[HeaderName("Last-Event-ID")!]
        let start = try Self.sequence(lastID, field: "Last-Event-ID") ?? Self.sequence(request.uri.queryParameters["after"].map(String.init), field: "after") ?? 0
        guard try store.runSummary(id) != nil else { throw APIError(.notFound, code: "no-run", "no run '\(id)'") }
        let store = self.store, poll = self.poll, keepAlive = self.keepAlive, stopping = self.stopping
        let body = ResponseBody { writer in
            var last = start
            var quietSince = ContinuousClock.now
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            while !Task.isCancelled && !stopping.isSet {
                // Read the state before the events: a run's last events are committed with its final state.
                let finished = try store.runSummary(id)?.state.isFinished ?? true
                let events = try store.events(runID: id, afterSeq: last, limit: 500)
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
                    let json = String(decoding: try encoder.encode(EventView(e)), as: UTF8.self)
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
