/// One event of a watch: its type and the object (a Status for ERROR; only metadata.resourceVersion for a
/// BOOKMARK).
public struct WatchUpdate: Sendable {
    public enum Kind: String, Sendable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
    }

    public var kind: Kind
    public var object: JSONObject

    public init(kind: Kind, object: JSONObject) {
        self.kind = kind
        self.object = object
    }

    /// metadata.resourceVersion of the object ("" when absent).
    public var resourceVersion: String { object["metadata"]?["resourceVersion"]?.stringValue ?? "" }

    /// Reads one watch event document: `{"type":...,"object":{...}}`.
    public init(document bytes: UnsafeRawBufferPointer) throws(JSONError) {
        try self.init(try JSONValue.parse(bytes))
    }

    init(_ value: JSONValue) throws(JSONError) {
        guard let type = value["type"]?.stringValue else {
            throw JSONError(offset: 0, message: "a watch event has no \"type\"")
        }
        guard let kind = Kind(rawValue: type) else {
            throw JSONError(offset: 0, message: "unknown watch event type \"\(type)\"")
        }
        guard let object = value["object"]?.objectValue else {
            throw JSONError(offset: 0, message: "a \(type) watch event has no \"object\"")
        }
        self.kind = kind
        self.object = object
    }
}

/// Options of one watch request.
public struct WatchOptions: Sendable {
    public var list = ListOptions()
    /// Start after this version; nil or "" sends the current state first as ADDED events, "0" does too.
    public var resourceVersion: String?
    public var allowBookmarks = true
    /// Ask the server to end the watch after this many seconds (client-go picks 5–10 minutes).
    public var timeoutSeconds: Int?
    public init(list: ListOptions = ListOptions(), resourceVersion: String? = nil, allowBookmarks: Bool = true,
                timeoutSeconds: Int? = nil) {
        self.list = list
        self.resourceVersion = resourceVersion
        self.allowBookmarks = allowBookmarks
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The events of one watch request in order. It ends when the server closes the stream; it throws when the
/// connection breaks or a chunk is not JSON. An ERROR event is delivered as an event (the caller decides).
public struct WatchStream: AsyncSequence, Sendable {
    public typealias Element = WatchUpdate
    let response: HTTPStreamResponse
    let path: String

    public func makeAsyncIterator() -> Iterator { Iterator(response: response, path: path) }

    /// Ends the watch now.
    public func cancel() { response.cancel() }

    public struct Iterator: AsyncIteratorProtocol {
        let response: HTTPStreamResponse
        let path: String
        var body: HTTPBodyStream.AsyncIterator
        var decoder = WatchDecoder()
        var ready: [WatchUpdate] = []
        var readyIndex = 0

        init(response: HTTPStreamResponse, path: String) {
            self.response = response
            self.path = path
            body = response.body.makeAsyncIterator()
        }

        public mutating func next() async throws -> WatchUpdate? {
            while readyIndex == ready.count {
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                guard let chunk = try await body.next() else {
                    if decoder.bufferedBytes > 0 {
                        throw KubeError.invalidResponse(method: "GET", path: path,
                                                        detail: "the watch stream ended inside an event")
                    }
                    return nil
                }
                do {
                    try decoder.feed(chunk, into: &ready)
                } catch {
                    response.cancel()
                    throw KubeError.invalidResponse(method: "GET", path: path, detail: "watch event: \(error)")
                }
            }
            defer { readyIndex += 1 }
            return ready[readyIndex]
        }
    }
}

/// Turns the bytes of a watch response, cut anywhere, into events.
public struct WatchDecoder {
    var splitter = JSONStreamSplitter()
    /// Events of one watch share their long member names (one heap string each, not one per event).
    let keys = KeyCache()

    public init() {}

    /// Bytes of an event that has not ended yet.
    public var bufferedBytes: Int { splitter.bufferedBytes }

    /// Adds the events `chunk` completes to `events`. Whole events inside the chunk are parsed in place
    /// (each byte read once); only an event cut by a chunk boundary goes through the splitter.
    public mutating func feed(_ chunk: [UInt8], into events: inout [WatchUpdate]) throws(JSONError) {
        try chunk.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try feed(buffer, into: &events) }
        }.get()
    }

    mutating func feed(_ buffer: UnsafeRawBufferPointer, into events: inout [WatchUpdate]) throws(JSONError) {
        let n = buffer.count
        var start = 0
        if splitter.bufferedBytes > 0 {
            start = try splitter.finishPending(buffer) { (event) throws(JSONError) in events.append(try WatchUpdate(document: event)) }
        }
        let bytes = buffer.bindMemory(to: UInt8.self)
        while start < n {
            while start < n, bytes[start] == 0x20 || bytes[start] == 0x0A || bytes[start] == 0x0D || bytes[start] == 0x09 { start += 1 }
            guard start < n else { break }
            var parser = JSONParser(UnsafeBufferPointer(rebasing: bytes[start...]), keys: keys)
            if let value = try? parser.value(depth: 0) {
                events.append(try WatchUpdate(value))
                start += parser.position
                continue
            }
            // Cut by the chunk's end (or not JSON: the splitter and the parser say where and why).
            try splitter.append(UnsafeRawBufferPointer(rebasing: buffer[start...])) { (event) throws(JSONError) in
                events.append(try WatchUpdate(document: event))
            }
            break
        }
    }
}

extension KubeClient {
    /// Starts one watch. A plain HTTP error (e.g. 410 Gone for a too-old version, 422 for an option the
    /// server refuses) throws here, before any event.
    public func watch(_ type: ResourceType, namespace: String?, options: WatchOptions = WatchOptions()) async throws(KubeError) -> WatchStream {
        let path = type.path(namespace: namespace)
        var query = options.list.query
        query.append(("watch", "1"))
        if let rv = options.resourceVersion, !rv.isEmpty { query.append(("resourceVersion", rv)) }
        if options.allowBookmarks { query.append(("allowWatchBookmarks", "true")) }
        if let t = options.timeoutSeconds { query.append(("timeoutSeconds", String(t))) }
        // A silent watch is normal (no changes); the server's timeoutSeconds bounds it, TCP keep-alive
        // notices a dead peer. The idle limit only catches a peer that vanished without a FIN.
        let idle: Duration? = options.timeoutSeconds.map { .seconds($0 + 30) }
        let response = try await stream(path: path, query: query, idleTimeout: idle)
        return WatchStream(response: response, path: path)
    }
}
