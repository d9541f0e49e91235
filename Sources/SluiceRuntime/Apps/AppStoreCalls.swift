import Foundation
import SluiceModel
import SluiceStore

/// The store side every app backend shares: calls made on a thread of their own (never on the Swift pool),
/// the stored spec decoded, and the rule a scale is checked against.
struct AppStoreCalls: Sendable {
    let store: Store

    /// Runs a store call on a thread of its own; its failure as one sentence.
    func run<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws(AppRuntimeError) -> T {
        let store = self.store
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: Result { try body(store) }) }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw .store("\(error)")
        }
    }

    /// The spec a record holds.
    static func decode(_ record: AppRecord) throws(AppRuntimeError) -> AppSpec {
        guard let spec = try? JSONDecoder().decode(AppSpec.self, from: record.spec) else {
            throw .store("the stored spec of app '\(record.name)' does not decode")
        }
        return spec
    }

    /// Records `replicas` as app `name`'s count after checking it: 0 or more, and within `replicas.max` for an app
    /// with a range (a fixed count, `replicas: N`, is what a scale changes). The record and its spec after.
    func scale(_ name: String, to replicas: Int) async throws(AppRuntimeError) -> (AppRecord, AppSpec) {
        guard replicas >= 0 else { throw .invalid("replicas must be 0 or more (found \(replicas))") }
        guard let current = try await run({ try $0.app(name: name) }) else { throw .noApp(name) }
        let policy = try Self.decode(current).replicas
        if policy.min != policy.max, replicas > policy.max {
            throw .invalid("app '\(name)' runs at most \(policy.max) replicas (its replicas.max); found \(replicas)")
        }
        guard let record = try await run({ try $0.setAppReplicas(name: name, replicas: replicas) }) else { throw .noApp(name) }
        return (record, try Self.decode(record))
    }
}
