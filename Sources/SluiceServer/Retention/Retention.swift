import Foundation
import Logging
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `sluice serve --retain-finished D`: removes runs that finished more than `retain` ago (rows, attempt folders,
/// logs) at start and then every `every`, on the controller's clock, so a test moves time instead of waiting.
struct Retention: Sendable {
    let store: Store
    let clock: any ControllerClock
    let retain: DurationValue
    let every: DurationValue
    var logger = Logger(label: "sluice.retention")

    /// Sweeps until the task is cancelled: once now, then whenever `every` has passed on the clock (woken by
    /// real time passing, or by a test advancing a manual clock).
    func run() async {
        let clock = self.clock, every = self.every
        let ticks = AsyncStream<Void> { continuation in
            clock.onAdvance { continuation.yield() }
            let timer = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(every.milliseconds))
                    continuation.yield()
                }
            }
            continuation.onTermination = { _ in timer.cancel() }
        }
        // Each sweep counts from the time it read, not from when it ended: time may move while it works.
        var last = clock.now()
        _ = await sweep(at: last)
        for await _ in ticks {
            if Task.isCancelled { break }
            let now = clock.now()
            // Real sleeps may end a hair early against the wall clock: a second's slack.
            guard now.addingTimeInterval(1) >= last.addingTimeInterval(every.seconds) else { continue }
            last = now
            _ = await sweep(at: now)
        }
    }

    /// One pass: prunes what finished before `now - retain`; nil when the store refused (logged, tried again next time).
    func sweep() async -> PruneReport? { await sweep(at: clock.now()) }

    private func sweep(at now: Date) async -> PruneReport? {
        let filter = PruneFilter(finishedBefore: now.addingTimeInterval(-retain.seconds))
        do {
            let report = try await AsyncStore(store).run { try $0.prune(filter, now: now) }
            if !report.runs.isEmpty || !report.leftovers.isEmpty {
                logger.notice("retention removed \(report.runs.count) finished run(s) older than \(retain) and \(report.leftovers.count) leftover(s), freeing \(report.bytesFreed) bytes")
            }
            return report
        } catch {
            logger.warning("retention could not prune: \(error)")
            return nil
        }
    }
}
