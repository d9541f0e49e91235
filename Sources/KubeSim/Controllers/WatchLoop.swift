import SluiceKube

/// Follows the store's changes to several resources at once, handing each event to one handler.
enum WatchLoop {
    /// Starts with an ADDED event for every current object, then runs until cancelled (or the store stops);
    /// events of one resource arrive in order.
    static func follow(_ store: ObjectStore, _ types: [SimResource],
                       handle: @escaping @Sendable (WatchEvent) async -> Void) async throws {
        let subscriptions = try types.map { type throws(SimStatusError) in try store.watch(type, namespace: nil, from: .current) }
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for subscription in subscriptions {
                    group.addTask {
                        var subscription = subscription
                        while true {
                            while let batch = await subscription.nextBatch() {
                                for event in batch { await handle(event) }
                            }
                            // Too far behind: the store ended the watch; its ADDED burst brings us level again.
                            let reason = subscription.endReason
                            subscription.cancel()
                            guard reason == .tooSlow, !Task.isCancelled,
                                  let again = try? store.watch(subscription.type, namespace: nil, from: .current) else { return }
                            subscription = again
                        }
                    }
                }
                try await group.waitForAll()
            }
        } onCancel: {
            for subscription in subscriptions { subscription.cancel() }
        }
    }
}
