import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization

/// One request forwarded to one replica on a `ReplicaConnection`: the request body is streamed up while the
/// response is read; the response head goes back through `reply`, its body follows through `handoff`.
struct ReplicaExchange: Sendable {
    /// Why forwarding failed before a response head arrived.
    enum Failure: Error {
        /// Nothing listens at the replica's port (the request may go to another replica).
        case refused(String)
        case timedOut
        /// A fresh connection failed.
        case broken(String)
        /// A reused connection failed before any byte of a response: the replica closed it while it was idle.
        case stale(String)
    }

    let head: HTTPRequestHead
    /// nil: the request has no body (the head is sent with its end in one write).
    let body: RequestBody?
    /// Seconds the replica may stay silent.
    let timeout: Double
    let handoff: Handoff
    let reply = HeadOnce()

    /// The same request for another connection (after a stale one), with a fresh wait for its head.
    func again() -> ReplicaExchange { ReplicaExchange(head: head, body: body, timeout: timeout, handoff: handoff) }

    typealias Inbound = NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    typealias Outbound = NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    /// Runs the exchange on a connection whose inbound stream is read only here; true when the connection may
    /// carry another request (the response ended cleanly, the whole request body was sent, and neither side
    /// asked for the connection to close).
    func run(_ inbound: inout Inbound, _ outbound: Outbound, watch: ConnectionWatch, reused: Bool) async -> Bool {
        watch.begin(seconds: timeout)
        defer { watch.end() }
        var state = ReadState()
        do {
            guard let body else {
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
                return try await read(&inbound, watch: watch, state: &state)
            }
            try await outbound.write(.head(head))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await part in body { try await outbound.write(.body(.byteBuffer(part))) }
                    try await outbound.write(.end(nil))
                }
                let reusable = try await read(&inbound, watch: watch, state: &state)
                // A writer still busy is cut short (the connection closes); one that sent the end is done.
                if !reusable { group.cancelAll() }
                return reusable
            }
        } catch {
            fail(state, watch: watch, reused: reused, why: "\(error)")
            return false
        }
    }

    private struct ReadState {
        /// A response head arrived.
        var responded = false
        /// The gateway has the head (`reply` was resumed).
        var replied = false
        var keepAlive = false
        /// A small response with a length, read whole before the gateway answers: its head and body so far.
        var collecting: (HTTPResponseHead, ByteBuffer)?
    }

    /// Responses up to this `Content-Length` are read whole and answered in one write: no handoff, no body
    /// stream per request. Longer ones, chunked ones and ones without a length are streamed.
    static let wholeResponseLimit = 64 * 1024

    /// Reads the response; true when it ended cleanly, after the whole request was sent, on a connection that
    /// stays open.
    private func read(_ inbound: inout Inbound, watch: ConnectionWatch, state: inout ReadState) async throws -> Bool {
        while let part = try await inbound.next() {
            switch part {
            case .head(let response):
                if response.status.code >= 100 && response.status.code < 200 { continue }
                state.responded = true
                state.keepAlive = response.isKeepAlive
                if head.method != .HEAD, response.status.code != 204, response.status.code != 304,
                   let length = response.headers.first(name: "content-length").flatMap({ Int($0) }),
                   length <= Self.wholeResponseLimit {
                    state.collecting = (response, ByteBuffer())
                    continue
                }
                state.replied = true
                reply.resume(.success(ReplicaResponse(head: response, body: nil)))
            case .body(var buffer):
                watch.touch()
                if state.collecting != nil {
                    state.collecting!.1.writeBuffer(&buffer)
                    continue
                }
                guard await handoff.put(.part(buffer)) else { return false }
                watch.touch()
            case .end:
                if let (response, body) = state.collecting {
                    state.replied = true
                    reply.resume(.success(ReplicaResponse(head: response, body: body)))
                } else {
                    // The end is not waited for: the connection is free for the next request at once.
                    guard handoff.finish() else { return false }
                }
                return state.keepAlive && watch.requestSent && !watch.hasFired
            }
        }
        throw ClosedEarly()
    }

    private struct ClosedEarly: Error, CustomStringConvertible {
        var description: String { "the replica closed the connection" }
    }

    private func fail(_ state: ReadState, watch: ConnectionWatch, reused: Bool, why: String) {
        if !state.replied {
            // Nobody takes from the handoff yet: the gateway answers from the failure (or tries again).
            reply.resume(.failure(watch.hasFired ? .timedOut : reused && !state.responded ? .stale(why) : .broken(why)))
        } else {
            // The head went out to the client already: its body breaks off.
            handoff.cancel(watch.hasFired ? "the replica sent nothing for \(timeout) s" : "the replica's response broke off: \(why)")
        }
    }
}

/// A replica's response head, and its whole body when it was small enough to read at once (else the body
/// follows through the exchange's handoff).
struct ReplicaResponse: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer?
}

/// Resumes the wait for a response head exactly once.
final class HeadOnce: Sendable {
    typealias Outcome = Result<ReplicaResponse, ReplicaExchange.Failure>
    private let state = Mutex<(CheckedContinuation<Outcome, Never>?, Outcome?)>((nil, nil))

    /// Waits for the outcome (which may have come already).
    func wait() async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready: Outcome? = state.withLock { s in
                if let outcome = s.1 { return outcome }
                s.0 = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func resume(_ outcome: Outcome) {
        let waiter: CheckedContinuation<Outcome, Never>? = state.withLock { s in
            guard s.1 == nil else { return nil }
            s.1 = outcome
            defer { s.0 = nil }
            return s.0
        }
        waiter?.resume(returning: outcome)
    }
}
