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
                        while let batch = await subscription.nextBatch() {
                            for event in batch { await handle(event) }
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
