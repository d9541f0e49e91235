import CCurl
import Foundation
import Synchronization

/// HTTP over libcurl, off the Swift concurrency pool: one thread drives a multi handle for every transfer
/// of this transport (connections are reused between requests), and async callers wait on continuations.
public final class HTTPTransport: Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        var cancelled: [ObjectIdentifier] = []
        var resumed: [ObjectIdentifier] = []
        var stopping = false
    }

    /// What the callers and the libcurl thread share.
    private final class Shared: @unchecked Sendable {
        let inbox = Mutex(Inbox())
        let multi: UnsafeMutableRawPointer
        init(multi: UnsafeMutableRawPointer) { self.multi = multi }

        func submit(_ transfer: CurlTransfer) {
            inbox.withLock { $0.added.append(transfer) }
            curl_multi_wakeup(multi)
        }

        func cancel(_ transfer: CurlTransfer) {
            inbox.withLock { $0.cancelled.append(ObjectIdentifier(transfer)) }
            curl_multi_wakeup(multi)
        }

        func resume(_ transfer: CurlTransfer) {
            inbox.withLock { $0.resumed.append(ObjectIdentifier(transfer)) }
            curl_multi_wakeup(multi)
        }
    }

    public let tls: TLSOptions
    private let shared: Shared
    private var multi: UnsafeMutableRawPointer { shared.multi }

    /// `maxHostConnections` caps connections to one host (0: no cap); transfers beyond it wait in libcurl's
    /// queue. Long-lived streams must not share a capped transport, or they could hold every connection.
    public init(tls: TLSOptions = TLSOptions(), maxHostConnections: Int = 0) {
        _ = ccurl_global_init_once()
        signal(SIGPIPE, SIG_IGN)
        self.tls = tls
        let shared = Shared(multi: curl_multi_init())
        self.shared = shared
        _ = ccurl_multi_setopt_long(shared.multi, CURLMOPT_MAXCONNECTS, 64)
        if maxHostConnections > 0 {
            _ = ccurl_multi_setopt_long(shared.multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxHostConnections)
        }
        let thread = Thread { [shared] in
            var loop = CurlLoop(shared: shared, tls: tls)
            loop.run()
        }
        thread.name = "sluice-curl"
        thread.start()
    }

    deinit {
        shared.inbox.withLock { $0.stopping = true }
        curl_multi_wakeup(shared.multi)
    }

    /// Sends a request and returns the whole response (any status). Throws only when no response came.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let box = TransferBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let transfer = CurlTransfer(request: request, delivery: .buffered(continuation))
                box.set(transfer)
                submit(transfer)
            }
        } onCancel: {
            if let t = box.get() { self.cancel(t) }
        }
    }

    /// Sends a request and returns as soon as the response head is known; the body streams.
    public func stream(_ request: HTTPRequest, highWater: Int = 4 << 20) async throws -> HTTPStreamResponse {
        let box = TransferBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let transfer = CurlTransfer(request: request, delivery: .streamed(continuation))
                // The shared state, not the transport: a stream read after its transport is gone must still
                // be able to end its transfer (and let the libcurl thread finish).
                transfer.channel = BodyChannel(
                    highWater: highWater,
                    onResume: { [shared, weak transfer] in if let transfer { shared.resume(transfer) } },
                    onCancel: { [shared, weak transfer] in if let transfer { shared.cancel(transfer) } })
                box.set(transfer)
                submit(transfer)
            }
        } onCancel: {
            if let t = box.get() { self.cancel(t) }
        }
    }

    private func submit(_ transfer: CurlTransfer) { shared.submit(transfer) }
    private func cancel(_ transfer: CurlTransfer) { shared.cancel(transfer) }

    /// The libcurl thread's loop: take new work, perform, finish what is done, wait for sockets or a wakeup.
    private struct CurlLoop {
        let shared: Shared
        let tls: TLSOptions
        var multi: UnsafeMutableRawPointer { shared.multi }
        var active: [ObjectIdentifier: CurlTransfer] = [:]
        var byHandle: [UnsafeMutableRawPointer: CurlTransfer] = [:]

        mutating func run() {
            while true {
                let work = shared.inbox.withLock { i -> Inbox in
                    let w = i
                    i.added = []
                    i.cancelled = []
                    i.resumed = []
                    return w
                }
                for transfer in work.added { start(transfer) }
                for id in work.cancelled {
                    if let t = active[id] { finish(t, code: CURLE_ABORTED_BY_CALLBACK, cancelled: true) }
                }
                for id in work.resumed {
                    if let t = active[id], let easy = t.easy { _ = ccurl_unpause(easy) }
                }
                if work.stopping && active.isEmpty { break }
                var running: Int32 = 0
                curl_multi_perform(multi, &running)
                var easy: UnsafeMutableRawPointer?
                var result = CURLE_OK
                while ccurl_multi_next_done(multi, &easy, &result) == 1 {
                    if let easy, let t = byHandle[easy] { finish(t, code: result) }
                }
                var numfds: Int32 = 0
                curl_multi_poll(multi, nil, 0, 1000, &numfds)
            }
            curl_multi_cleanup(multi)
        }

        mutating func start(_ t: CurlTransfer) {
            guard let easy = curl_easy_init() else {
                fail(t, TransportError(code: Int(CURLE_FAILED_INIT.rawValue), kind: .other, message: "curl_easy_init failed",
                                       method: t.request.method, url: t.request.url, receivedResponse: false))
                return
            }
            t.easy = easy
            if let error = CurlSetup.configure(easy, for: t, tls: tls) {
                curl_easy_cleanup(easy)
                t.easy = nil
                fail(t, error)
                return
            }
            active[ObjectIdentifier(t)] = t
            byHandle[easy] = t
            curl_multi_add_handle(multi, easy)
        }

        mutating func finish(_ t: CurlTransfer, code: CURLcode, cancelled: Bool = false) {
            guard let easy = t.easy else { return }
            curl_multi_remove_handle(multi, easy)
            active[ObjectIdentifier(t)] = nil
            byHandle[easy] = nil
            if code == CURLE_OK && !cancelled {
                var status = 0
                ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
                if t.status == 0 { t.status = status }
                complete(t)
            } else {
                fail(t, t.error(code: code, cancelled: cancelled))
            }
            curl_easy_cleanup(easy)
            t.easy = nil
            Unmanaged.passUnretained(t).release()  // the retain taken for libcurl's userdata
        }

        func complete(_ t: CurlTransfer) {
            t.finished = true
            switch t.delivery {
            case .buffered(let c): c.resume(returning: HTTPResponse(head: t.head, body: t.body))
            case .streamed(let c):
                if !t.headDelivered {
                    t.headDelivered = true
                    c.resume(returning: HTTPStreamResponse(head: t.head, channel: t.channel!))
                }
                t.channel?.finish(.success(()))
            }
        }

        func fail(_ t: CurlTransfer, _ error: TransportError) {
            t.finished = true
            switch t.delivery {
            case .buffered(let c): c.resume(throwing: error)
            case .streamed(let c):
                if !t.headDelivered {
                    t.headDelivered = true
                    c.resume(throwing: error)
                }
                t.channel?.finish(.failure(error))
            }
        }
    }
}

/// Holds the transfer for a cancellation handler that may run before or after it exists.
private final class TransferBox: Sendable {
    private let transfer = Mutex<CurlTransfer?>(nil)
    func set(_ t: CurlTransfer) { transfer.withLock { $0 = t } }
    func get() -> CurlTransfer? { transfer.withLock { $0 } }
}
