import Foundation
import Hummingbird
import SluiceStore

/// `GET /api/v1/runs/{id}/nodes/{node}/logs`: an attempt's stdout or stderr as text, its last lines with
/// `tail`, and with `follow=true` streamed until the attempt ends.
struct LogRoutes {
    let store: Store
    var db: AsyncStore { AsyncStore(store) }
    let stopping: StopSignal
    var poll: Duration = .milliseconds(100)

    func add(to router: Router<APIContext>) {
        router.get("/api/v1/runs/:id/nodes/:node/logs") { request, context in
            // Nested and map-item ids (`sub/child`, `fit[3]`) arrive percent-encoded in one path segment.
            let node = try context.parameters.require("node")
            return try await logs(request, id: context.parameters.require("id"), node: node.removingPercentEncoding ?? node)
        }
    }

    /// The query, checked.
    struct Query {
        var attempt: Int?
        var stream = "stdout"
        var tail: Int?
        var follow = false

        init(_ request: Request) throws {
            let q = request.uri.queryParameters
            if let a = q["attempt"] {
                guard let n = Int(String(a)), n >= 1 else { throw Self.invalid("attempt", "attempt must be a whole number from 1") }
                attempt = n
            }
            if let s = q["stream"] {
                guard s == "stdout" || s == "stderr" else { throw Self.invalid("stream", "stream must be stdout or stderr") }
                stream = String(s)
            }
            if let t = q["tail"] {
                guard let n = Int(String(t)), (0...100_000).contains(n) else { throw Self.invalid("tail", "tail must be a whole number from 0 to 100000") }
                tail = n
            }
            if let f = q["follow"] {
                guard f == "true" || f == "false" else { throw Self.invalid("follow", "follow must be true or false") }
                follow = f == "true"
            }
        }

        static func invalid(_ field: String, _ message: String) -> APIError {
            APIError(.unprocessableContent, code: "invalid-query", message, field: field)
        }
    }

    func logs(_ request: Request, id: String, node: String) async throws -> Response {
        let query = try Query(request)
        let found = try await db.run { store -> [AttemptRecord]? in
            guard try store.runSummary(id) != nil else { return nil }
            return try store.attempts(runID: id, nodeID: node)
        }
        guard let attempts = found?.filter({ $0.purpose == .run }) else { throw APIError(.notFound, code: "no-run", "no run '\(id)'") }
        guard let chosen = query.attempt.map({ n in attempts.first { $0.attempt == n } }) ?? attempts.last else {
            let what = query.attempt.map { "no attempt \($0)" } ?? "no attempts"
            throw APIError(.notFound, code: "no-attempt", "node '\(node)' of run '\(id)' has \(what)", field: query.attempt == nil ? nil : "attempt")
        }
        let path = (chosen.logDirectory ?? "") + "/\(query.stream).log"
        // On a store thread: the file is on the same disk as the store, and this is blocking I/O.
        let whole = try await db.run { _ in try Self.read(path, from: 0, limit: Int.max) }
        let start = UInt64(whole.count)
        let text = query.tail.map { Self.lastLines(whole, $0) } ?? whole
        let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"]
        guard query.follow else { return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: text))) }
        let db = self.db, poll = self.poll, stopping = self.stopping, number = chosen.attempt
        let body = ResponseBody { writer in
            var offset = start
            if !text.isEmpty { try await writer.write(ByteBuffer(bytes: text)) }
            while !Task.isCancelled && !stopping.isSet {
                // Read whether the attempt ended before reading the file: its last bytes are written before it ends.
                let from = offset
                let (state, more) = try await db.run { store in
                    (try store.attempts(runID: id, nodeID: node).first { $0.attempt == number && $0.purpose == .run }?.state,
                     try Self.read(path, from: from))
                }
                let ended = state.map { $0 != "queued" && $0 != "running" } ?? true
                if !more.isEmpty {
                    offset += UInt64(more.count)
                    try await writer.write(ByteBuffer(bytes: more))
                } else if ended {
                    break
                } else {
                    try await Task.sleep(for: poll)
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The last `n` lines of `data` (a final line without a newline counts as a line).
    static func lastLines(_ data: Data, _ n: Int) -> Data {
        guard n > 0 else { return Data() }
        let bytes = [UInt8](data)
        var end = bytes.count
        if end > 0 && bytes[end - 1] == 0x0a { end -= 1 }
        var seen = 0
        var i = end
        while i > 0 {
            if bytes[i - 1] == 0x0a {
                seen += 1
                if seen == n { return Data(bytes[i...]) }
            }
            i -= 1
        }
        return data
    }

    /// Bytes of the file at `path` from `offset` on (up to `limit`, 1 MiB by default); empty when there are none
    /// or no file yet (an attempt writes its log when it starts). Any other failure to read is thrown: it is
    /// the server's (500), not an empty log.
    static func read(_ path: String, from offset: UInt64, limit: Int = 1 << 20) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { return Data() }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) } catch {
            throw APIError(.internalServerError, code: "log-unreadable", "cannot read the log \(path): \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: offset)
            return try (limit == Int.max ? handle.readToEnd() : handle.read(upToCount: limit)) ?? Data()
        } catch {
            throw APIError(.internalServerError, code: "log-unreadable", "cannot read the log \(path): \(error.localizedDescription)")
        }
    }
}
