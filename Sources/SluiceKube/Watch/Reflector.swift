/// What a reflector feeds: a whole list (after each list), then single changes in order.
public protocol ReflectorSink: Sendable {
    /// The state as of `resourceVersion` replaces whatever was known.
    func replace(_ objects: [JSONObject], resourceVersion: String) async
    /// A change, or a BOOKMARK (no change; only a newer resourceVersion).
    func apply(_ update: WatchUpdate) async
}

/// What happened to the list-and-watch loop, for logs, metrics and tests.
public enum ReflectorNote: Sendable {
    case listed(count: Int, resourceVersion: String)
    case watchStarted(resourceVersion: String)
    /// The server ended the watch cleanly: watch again from the last version.
    case watchClosed(events: Int)
    /// The version is older than the server keeps (ERROR event or plain 410): list again.
    case expired(String)
    /// A watch that ended at once with no events, or an error: wait before trying again.
    case backoff(Duration, reason: String)
}

/// client-go's Reflector: list, then watch from the list's resourceVersion; re-watch from the last seen
/// version when the server closes the stream; list again when the version has expired; back off when a
/// watch fails or ends at once without events.
public struct Reflector: Sendable {
    public var client: KubeClient
    public var type: ResourceType
    public var namespace: String?
    public var options: ListOptions
    public var pageSize: Int
    /// Each watch asks the server to end it after a random time in [min, 2·min] (client-go: 5 minutes).
    public var minWatchTimeout: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// Where backoffs wait and a watch's length is measured (the client's clock unless given another).
    public var clock: KubeClock
    public var note: @Sendable (ReflectorNote) -> Void

    public init(client: KubeClient, type: ResourceType, namespace: String?, options: ListOptions = ListOptions(),
                pageSize: Int = 500, minWatchTimeout: Int = 300, initialBackoff: Duration = .milliseconds(800),
                maxBackoff: Duration = .seconds(30), clock: KubeClock? = nil,
                note: @escaping @Sendable (ReflectorNote) -> Void = { _ in }) {
        self.client = client
        self.type = type
        self.namespace = namespace
        self.options = options
        self.pageSize = pageSize
        self.minWatchTimeout = minWatchTimeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.clock = clock ?? client.clock
        self.note = note
    }

    /// Runs until the task is cancelled.
    public func run(into sink: some ReflectorSink) async {
        var backoff = initialBackoff
        var expiredInARow = 0
        var resourceVersion: String?
        while !Task.isCancelled {
            if resourceVersion == nil {
                do {
                    let listed = try await client.listAll(type, namespace: namespace, options: options, pageSize: pageSize)
                    await sink.replace(listed.items, resourceVersion: listed.resourceVersion)
                    note(.listed(count: listed.items.count, resourceVersion: listed.resourceVersion))
                    resourceVersion = listed.resourceVersion
                } catch {
                    if Task.isCancelled { return }
                    await wait(&backoff, reason: "list failed: \(error)")
                    continue
                }
            }
            switch await watchOnce(from: resourceVersion ?? "", into: sink) {
            case .closed(let last, let events):
                expiredInARow = 0
                resourceVersion = last
                note(.watchClosed(events: events))
                backoff = initialBackoff
            case .expired(let why, let events):
                note(.expired(why))
                resourceVersion = nil
                // A fresh list's version expiring again before any event means the server keeps too little
                // history for this watch: relist after a backoff instead of in a tight loop.
                expiredInARow = events == 0 ? expiredInARow + 1 : 1
                if expiredInARow > 1 { await wait(&backoff, reason: "expired again right after a list: \(why)") }
                continue
            case .failed(let last, let why):
                resourceVersion = last
                if Task.isCancelled { return }
                await wait(&backoff, reason: why)
            }
        }
    }

    enum WatchEnd {
        case closed(String, events: Int)
        case expired(String, events: Int)
        case failed(String?, String)
    }

    func watchOnce(from start: String, into sink: some ReflectorSink) async -> WatchEnd {
        var last = start
        let timeout = minWatchTimeout + Int.random(in: 0...max(0, minWatchTimeout))
        let began = clock.now
        var events = 0
        do {
            let stream = try await client.watch(type, namespace: namespace, options: WatchOptions(
                list: options, resourceVersion: start, allowBookmarks: true, timeoutSeconds: timeout))
            note(.watchStarted(resourceVersion: start))
            for try await update in stream {
                if update.kind == .error {
                    stream.cancel()
                    let code = update.object["code"]?.intValue ?? 0
                    let message = update.object["message"]?.stringValue ?? "watch error"
                    if code == 410 || ["Expired", "Gone"].contains(update.object["reason"]?.stringValue ?? "") {
                        return .expired(message, events: events)
                    }
                    // Any other error event: start over from a fresh list (client-go returns to ListAndWatch).
                    return .expired("watch error \(code): \(message)", events: events)
                }
                events += 1
                let rv = update.resourceVersion
                if !rv.isEmpty { last = rv }
                await sink.apply(update)
            }
        } catch let error as KubeError where error.isGone {
            return .expired(error.description, events: events)
        } catch {
            return .failed(last, "watch failed: \(error)")
        }
        if events == 0, clock.now - began < .seconds(1) {
            return .failed(last, "very short watch: the server closed it within a second with no events")
        }
        return .closed(last, events: events)
    }

    func wait(_ backoff: inout Duration, reason: String) async {
        let jittered = backoff + backoff * Double.random(in: 0..<0.2)
        note(.backoff(jittered, reason: reason))
        try? await clock.sleep(for: jittered)
        backoff = min(backoff * 2, maxBackoff)
    }
}
