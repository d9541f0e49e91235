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
            return try await logs(request, id: RunRef.resolve(context.parameters.require("id"), db), node: node.removingPercentEncoding ?? node)
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
        // Where to start: the beginning, or where the last `tail` lines begin (found by reading backwards from
        // the end, so a 200 MB log costs a few reads, not 200 MB of memory). On a store thread: blocking I/O.
        let start = try await db.run { _ in try query.tail.map { try Self.tailOffset(path, lines: $0) } ?? 0 }
        let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"]
        let db = self.db, poll = self.poll, stopping = self.stopping, number = chosen.attempt, follow = query.follow
        // Streamed in chunks of at most 1 MiB whatever the log's size; with follow, until the attempt ends.
        let body = ResponseBody { writer in
            var offset = start
            while !Task.isCancelled && !stopping.isSet {
                // Read whether the attempt ended before reading the file: its last bytes are written before it ends.
                let from = offset
                let (state, more) = try await db.run { store in
                    (follow ? try store.attempts(runID: id, nodeID: node).first { $0.attempt == number && $0.purpose == .run }?.state : nil,
                     try Self.read(path, from: from))
                }
                if !more.isEmpty {
                    offset += UInt64(more.count)
                    try await writer.write(ByteBuffer(bytes: more))
                    continue
                }
                let ended = state.map { $0 != "queued" && $0 != "running" } ?? true
                if !follow || ended { break }
                try await Task.sleep(for: poll)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The offset where the last `n` lines of the file begin (a final line without a newline counts as a
    /// line; 0 when the file has fewer lines or does not exist yet). Reads backwards in 64 KiB blocks.
    static func tailOffset(_ path: String, lines n: Int) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        let size: UInt64
        do { size = try handle.seekToEnd() } catch {
            throw APIError(.internalServerError, code: "log-unreadable", "cannot read the log \(path): \(error.localizedDescription)")
        }
        guard n > 0 else { return size }
        var end = size
        var newlines = 0
        var skipFinal = true  // a newline that ends the file closes the last line; it does not start one
        while end > 0 {
            let begin = end > 65536 ? end - 65536 : 0
            let block: [UInt8]
            do {
                try handle.seek(toOffset: begin)
                block = [UInt8](try handle.read(upToCount: Int(end - begin)) ?? Data())
            } catch {
                throw APIError(.internalServerError, code: "log-unreadable", "cannot read the log \(path): \(error.localizedDescription)")
            }
            var i = block.count
            while i > 0 {
                i -= 1
                guard block[i] == 0x0a else { skipFinal = false; continue }
                if skipFinal { skipFinal = false; continue }
                newlines += 1
                if newlines == n { return begin + UInt64(i) + 1 }
            }
            end = begin
        }
        return 0
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
            return try handle.read(upToCount: limit) ?? Data()
        } catch {
            throw APIError(.internalServerError, code: "log-unreadable", "cannot read the log \(path): \(error.localizedDescription)")
        }
    }
}
