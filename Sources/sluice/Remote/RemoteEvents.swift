import Foundation
import SluiceAPI
import SluiceEngine
import SluiceModel

extension EventView {
    /// `seq  time  node  message`, or the event (the API's event shape) as one line of JSON or one YAML document.
    func render(_ format: OutputFormat) -> String {
        if let record = try? format.record(self) { return record }
        return "\(seq)  \(time)  \(node ?? "-")  \(TerminalText.visible(message))"
    }
}

/// A run's events from a server: a page at a time, or followed as server-sent events, resuming with
/// `Last-Event-ID` when the connection drops or the server restarts.
enum RemoteEvents {
    /// Prints every event after `after`; returns the last sequence number printed.
    static func printAll(_ client: RemoteClient, runID: String, after: Int64, format: OutputFormat) throws -> Int64 {
        var cursor = after
        while true {
            let page = try client.decode(EventPage.self, client.get(RemoteRuns.runPath(runID) + "/events", query: ["after": String(cursor)]))
            if page.events.isEmpty { return cursor }
            for e in page.events { FileHandleOutput.standardOutput(e.render(format)) }
            cursor = page.next_after
        }
    }

    /// Follows the run's event stream until the run has finished and every event was printed.
    static func follow(_ client: RemoteClient, runID: String, after: Int64, format: OutputFormat) throws {
        // Fails fast on an unknown run, a bad token or no server, before any retrying.
        var finished = RunPhase(rawValue: try RemoteRuns.view(client, runID).state)?.isFinal ?? true
        var last = after
        var failures = 0
        while !finished {
            var request = client.request("GET", RemoteRuns.runPath(runID) + "/events/stream")
            request.setHeader("Accept", "text/event-stream")
            request.setHeader("Last-Event-ID", String(last))
            // The server sends a keep-alive comment every 15 s: two minutes of silence is a dead connection.
            request.timeout = 120
            let parser = EventStreamParser(after: last) { line in
                FileHandleOutput.standardOutput(line.render(format))
            }
            let outcome = StreamingRequest(onChunk: parser.feed).run(request)
            if parser.lastID > last { last = parser.lastID; failures = 0 }
            switch outcome {
            case .reply(let status, let body):
                try client.check(status, body)
            case .failed(let error):
                failures += 1
                // The server went away: give it a few seconds to come back (or another to take over).
                if failures > 10 { throw client.unreachable(error) }
            case .ended:
                // The run has finished, or the server is stopping: then it cannot answer, and the next connection retries.
                if let state = try? RemoteRuns.view(client, runID).state, RunPhase(rawValue: state)?.isFinal ?? true {
                    finished = true
                    continue
                }
            }
            Thread.sleep(forTimeInterval: 1)
        }
        _ = try printAll(client, runID: runID, after: last, format: format)
    }
}

/// Splits a `text/event-stream` into events, as the bytes arrive; keeps the last id seen.
final class EventStreamParser: @unchecked Sendable {
    private var pending = Data()
    private(set) var lastID: Int64
    private let onEvent: (EventView) -> Void

    init(after: Int64, onEvent: @escaping (EventView) -> Void) {
        lastID = after
        self.onEvent = onEvent
    }

    func feed(_ data: Data) {
        pending.append(data)
        let separator = Data("\n\n".utf8)
        while let range = pending.range(of: separator) {
            let block = String(decoding: pending[pending.startIndex..<range.lowerBound], as: UTF8.self)
            pending = Data(pending[range.upperBound...])
            var payload = ""
            for line in block.split(separator: "\n") where line.hasPrefix("data:") {
                payload += line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            }
            guard !payload.isEmpty, let event = try? WireJSON.decode(EventView.self, from: Data(payload.utf8)),
                  event.seq > lastID else { continue }
            lastID = event.seq
            onEvent(event)
        }
    }
}
