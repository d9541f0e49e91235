import Hummingbird
import SluiceKube

extension APIHandler {
    /// `?watch=1`: the start follows resourceVersion (unset or "0": current state first; R: events after R).
    func watch(_ target: ResourcePath, _ query: RequestQuery, fault: FaultRule?) throws -> Response {
        if query.flag("sendInitialEvents") {
            throw SimStatusError.invalid(kind: "ListOptions.meta.k8s.io", group: "meta.k8s.io", detailKind: "ListOptions", "",
                                         [.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled")])
        }
        var filter = try query.filter(target.type)
        if let name = target.name {
            var fields = try filter.fields ?? FieldSelector(parsing: "", for: target.type)
            fields.terms.append(.init(field: "metadata.name", value: name, equals: true))
            filter.fields = fields
        }
        let start: WatchStart
        switch query["resourceVersion"] ?? "" {
        case "", "0": start = .current
        case let text:
            guard let rv = Int64(text) else { throw SimStatusError.badRequest("invalid resource version: \(text)") }
            start = .after(rv)
        }
        let started = Result { () throws(SimStatusError) -> WatchSubscription in
            try store.watch(target.type, namespace: target.namespace, filter: filter, from: start)
        }
        let subscription: WatchSubscription
        switch started {
        case .success(let s):
            subscription = s
        case .failure(let error):
            guard error.code == 410 else { throw error }
            return settings.watch410 == .plain ? HTTPReply.error(error) : WatchResponder.expired(error)
        }
        let timeout = try query.int("timeoutSeconds").map { Duration.seconds($0) }
        return WatchResponder(subscription: subscription, kind: target.type.kind, apiVersion: target.type.apiVersion,
                              bookmarks: query.flag("allowWatchBookmarks"), bookmarkInterval: settings.bookmarkInterval,
                              timeout: timeout, dropAfter: fault?.dropAfterEvents, closeAfter: fault?.closeAfterEvents).response
    }
}
