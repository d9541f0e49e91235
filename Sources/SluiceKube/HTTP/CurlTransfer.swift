import CCurl

/// One request in flight on the libcurl thread: its easy handle, what has arrived, and who waits for it.
/// Touched only by the libcurl thread once added (the channel it feeds is the thread-safe part).
final class CurlTransfer: @unchecked Sendable {
    enum Delivery {
        /// Collect the whole body, then resume with the response.
        case buffered(CheckedContinuation<HTTPResponse, Error>)
        /// Resume with the head as soon as it is known; the body goes through the channel.
        case streamed(CheckedContinuation<HTTPStreamResponse, Error>)
    }

    let request: HTTPRequest
    let delivery: Delivery
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var connectTo: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    var status = 0
    var headers: [(name: String, value: String)] = []
    var headComplete = false
    var body: [UInt8] = []
    var channel: BodyChannel?
    var headDelivered = false
    var finished = false
    let maxBufferedBody: Int

    init(request: HTTPRequest, delivery: Delivery, maxBufferedBody: Int = 512 << 20) {
        self.request = request
        self.delivery = delivery
        self.maxBufferedBody = maxBufferedBody
        errorBuffer.initialize(to: 0)
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        if let connectTo { curl_slist_free_all(connectTo) }
        errorBuffer.deallocate()
    }

    var isStreamed: Bool {
        if case .streamed = delivery { return true }
        return false
    }

    /// A header line from libcurl: a status line, a header, or the blank line that ends a head.
    func receiveHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        var text = String(decoding: line, as: UTF8.self)
        while let last = text.last, last.isNewline { text.removeLast() }  // "\r\n" is one Character
        if text.hasPrefix("HTTP/") {
            // A new head (after a 1xx or a proxy's CONNECT answer): start over.
            let parts = text.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = []
            headComplete = false
            return
        }
        if text.isEmpty {
            if status >= 200 { headComplete = true }
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].lowercased()
        let value = text[text.index(after: colon)...].trimmingCharacters(in: " \t")
        headers.append((name, value))
    }

    var head: HTTPHead { HTTPHead(status: status, headers: headers) }

    /// A streamed request's caller gets the head as soon as the blank line after the headers arrives.
    func deliverHeadIfReady() {
        guard headComplete, !headDelivered, case .streamed(let continuation) = delivery, let channel else { return }
        headDelivered = true
        continuation.resume(returning: HTTPStreamResponse(head: head, channel: channel))
    }

    /// Body bytes from libcurl: kept (buffered) or handed to the reader (streamed). The return value is
    /// libcurl's: the count taken, the pause value, or 0 to abort.
    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let channel else {
            if body.count + bytes.count > maxBufferedBody { return 0 }
            body.append(contentsOf: bytes)
            return bytes.count
        }
        headComplete = true
        deliverHeadIfReady()
        return channel.offer(Array(bytes)) ? bytes.count : ccurl_writefunc_pause()
    }

    func error(code: CURLcode, cancelled: Bool = false) -> TransportError {
        let detail = String(cString: errorBuffer)
        let message: String
        if cancelled {
            message = "cancelled"
        } else if !detail.isEmpty {
            message = detail
        } else {
            message = String(cString: curl_easy_strerror(code))
        }
        let kind: TransportError.Kind
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: kind = .connect
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            kind = .tls
        default: kind = cancelled ? .cancelled : .other
        }
        return TransportError(code: Int(code.rawValue), kind: kind, message: message, method: request.method,
                              url: request.url, receivedResponse: status != 0)
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
