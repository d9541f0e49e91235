import Foundation
import SluiceEngine
import SluiceModel

/// One run this controller owns: what only its worker touches (the engine and the state as of the last
/// commit), and what other threads hand it (observations, inbox news, watchers), under a lock.
final class RunSlot: @unchecked Sendable {
    let id: String
    // Worker-only (the queue gives a run to one worker at a time).
    var flow: CompiledFlow?
    var engine: Engine?
    var state: SluiceEngine.RunState?
    var wake: Timestamp?
    /// The labels the run was submitted with (`--label`); they go on what backends create for it.
    var runLabels: [String: String] = [:]

    private let lock = NSLock()
    // Guarded by `lock`.
    private var mailbox: [Observation] = []
    private var inboxNews = true
    /// Per node, its attempts that were not final as of the last commit.
    private var running: [String: Set<AttemptRef>] = [:]
    private var watchers: [Int: @Sendable (SluiceEngine.RunState, [RunEvent]) -> Void] = [:]
    private var nextWatcher = 0
    private var isClaimed = false

    init(id: String) { self.id = id }

    /// Loaded by its worker (engine and state in hand).
    var isLoaded: Bool { engine != nil && state != nil }

    /// Whether this controller took the run's lease (read by the housekeeping thread).
    var claimed: Bool {
        get { lock.withLock { isClaimed } }
        set { lock.withLock { isClaimed = newValue } }
    }

    func post(_ o: Observation) { lock.withLock { mailbox.append(o) } }

    /// Puts observations back in front (a step that could not be committed is redone after a reload).
    func repost(_ os: [Observation]) { lock.withLock { mailbox.insert(contentsOf: os, at: 0) } }

    func noteInboxNews() { lock.withLock { inboxNews = true } }

    /// Everything posted since the last take, and whether the store's inbox may hold news.
    func take() -> (observations: [Observation], inbox: Bool) {
        lock.withLock {
            defer { mailbox.removeAll(keepingCapacity: true); inboxNews = false }
            return (mailbox, inboxNews)
        }
    }

    /// Posts a task callback when its attempt runs as of the last commit.
    func postIfRunning(_ o: Observation, ref: AttemptRef) -> Bool {
        lock.withLock {
            guard running[ref.node]?.contains(ref) ?? false else { return false }
            mailbox.append(o)
            return true
        }
    }

    /// Updates the running attempts of the nodes a step changed (all nodes after a load).
    func noteRunning(_ state: SluiceEngine.RunState, nodes: some Sequence<String>) {
        var update: [String: Set<AttemptRef>] = [:]
        for id in nodes {
            guard let n = state.nodes[id] else { update[id] = []; continue }
            update[id] = Set(n.attempts.filter { !$0.phase.isFinal }.map { AttemptRef(node: id, attempt: $0.number, purpose: $0.purpose) })
        }
        lock.withLock {
            for (id, refs) in update { running[id] = refs.isEmpty ? nil : refs }
        }
    }

    func addWatcher(_ w: @escaping @Sendable (SluiceEngine.RunState, [RunEvent]) -> Void) -> Int {
        lock.withLock {
            nextWatcher += 1
            watchers[nextWatcher] = w
            return nextWatcher
        }
    }

    func removeWatcher(_ id: Int) { lock.withLock { _ = watchers.removeValue(forKey: id) } }

    func notify(_ state: SluiceEngine.RunState, _ events: [RunEvent]) {
        for w in lock.withLock({ Array(watchers.values) }) { w(state, events) }
    }
}
