import Foundation
import Hummingbird
import SluiceKube

extension APIHandler {
    /// `?watch=1`: the start follows resourceVersion (unset or "0": current state first; R: events after R).
    func watch(_ target: ResourcePath, _ query: RequestQuery, fault: FaultRule?, table: Bool = false) throws -> Response {
        var responder = try watch(target, query, fault: fault, filterType: target.type)
        if table {
            // `kubectl get -w`: each event carries a one-row Table, as the server's watch transform sends it.
            let (type, include) = (target.type, query["includeObject"])
            responder.render = { stored in
                JSONValue.object(ServerTable.document(type, objects: [stored], listMetadata: ["resourceVersion": .string(String(stored.resourceVersion))],
                                                      includeObject: include, now: Date())).serialized()
            }
        }
        return responder.response
    }

    /// The watch responder; `filterType` is the type whose field selectors the query uses (events.k8s.io on core events).
    func watch(_ target: ResourcePath, _ query: RequestQuery, fault: FaultRule?, filterType: SimResource) throws -> WatchResponder {
        if query.flag("sendInitialEvents") {
            throw SimStatusError.invalid(kind: "ListOptions.meta.k8s.io", group: "meta.k8s.io", detailKind: "ListOptions", "",
                                         [.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled")])
        }
        var filter = try query.filter(filterType)
        if filterType == .eventsV1 { filter.fields = EventConversion.coreSelector(filter.fields) }
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
            throw WatchExpired(error: error, plain: settings.watch410 == .plain)
        }
        let timeout = try query.int("timeoutSeconds").map { Duration.seconds($0) }
        return WatchResponder(subscription: subscription, kind: filterType.kind, apiVersion: filterType.apiVersion,
                              bookmarks: query.flag("allowWatchBookmarks"), bookmarkInterval: settings.bookmarkInterval,
                              timeout: timeout, dropAfter: fault?.dropAfterEvents, closeAfter: fault?.closeAfterEvents)
    }
}

/// A watch whose resourceVersion the history no longer reaches: answered as an ERROR event or a plain 410.
struct WatchExpired: Error {
    let error: SimStatusError
    let plain: Bool

    var response: Response { plain ? HTTPReply.error(error) : WatchResponder.expired(error) }
}
