import SluiceModel

/// One map node's items by outcome, kept as items change so the map decides in O(1) per change instead of
/// walking every item on every step. Built from the items' states on first use (after a load), so it is
/// never stored.
struct MapCounters: Equatable {
    var succeeded = 0
    var failed = 0
    var cancelled = 0
    var skipped = 0
    /// Items started and not yet final.
    var live = 0
    /// Items below this index have a state: items start in order, so this is where the next one is.
    var nextPending = 0
    /// The lowest index of an item that failed on its own (not one that was stopped), for the map's error.
    var firstFailed: Int?
    /// Whether the live items have been asked to stop (done once, not per step).
    var stopping = false

    /// Items that will not succeed.
    var unsuccessful: Int { failed + cancelled + skipped }
    var finished: Int { succeeded + unsuccessful }

    /// Follows one item's phase change.
    mutating func itemChanged(_ index: Int, from before: NodePhase, to after: NodePhase, failure: Failure?) {
        if before == .pending, after != .pending { live += 1 }
        guard after.isFinal, !before.isFinal else { return }
        live -= 1
        count(index, after, failure)
    }

    private mutating func count(_ index: Int, _ phase: NodePhase, _ failure: Failure?) {
        switch phase {
        case .succeeded, .reverting, .reverted, .revertFailed: succeeded += 1
        case .skipped: skipped += 1
        case .aborted: cancelled += 1
        default:
            failed += 1
            if failure?.kind != .aborted { firstFailed = min(firstFailed ?? index, index) }
        }
    }

    /// Counts the items of map `id` from their states (once per engine, after a load).
    static func scan(_ id: String, count: Int, _ ctx: StepContext) -> MapCounters {
        var c = MapCounters()
        var gap: Int?
        for i in 0..<count {
            guard let n = ctx.node(MapHandler.item(id, i)), n.phase != .pending else {
                if gap == nil { gap = i }
                continue
            }
            c.itemChanged(i, from: .pending, to: n.phase, failure: n.failure)
        }
        c.nextPending = gap ?? count
        return c
    }

    /// Why the map failed: `1 of 2 items failed, 1 cancelled; needed 2 successes (first: m[0]: …)`.
    func summary(count: Int, required: Int, firstError: String?) -> String {
        var parts = ["\(failed) of \(count) \(count == 1 ? "item" : "items") failed"]
        if cancelled > 0 { parts.append("\(cancelled) cancelled") }
        if skipped > 0 { parts.append("\(skipped) not run") }
        return parts.joined(separator: ", ") + "; needed \(required) successes" + (firstError.map { " (first: \($0))" } ?? "")
    }
}
