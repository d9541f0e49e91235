import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// When each stage of one attempt's life was reached, by pod name (the first time only).
final class Timeline: @unchecked Sendable {
    enum Stage: Hashable { case podEnded, reported, committed, started, createSending }
    private let lock = NSLock()
    private var times: [Stage: [String: ContinuousClock.Instant]] = [:]
    private var lastCommit: ContinuousClock.Instant?

    func note(_ stage: Stage, _ pod: String, at: ContinuousClock.Instant = .now) {
        lock.withLock {
            if times[stage]?[pod] == nil { times[stage, default: [:]][pod] = at }
        }
    }

    /// The controller committed a step (its `onStep` runs right after the commit, before the step's effects).
    func committed(at: ContinuousClock.Instant = .now) { lock.withLock { lastCommit = at } }

    /// `start` was called for `pod`: the commit just before it is the one that decided it.
    func started(_ pod: String) {
        let now = ContinuousClock.now
        lock.withLock {
            if times[.started]?[pod] == nil { times[.started, default: [:]][pod] = now }
            if let lastCommit, times[.committed]?[pod] == nil { times[.committed, default: [:]][pod] = lastCommit }
        }
    }

    func at(_ stage: Stage, _ pod: String) -> ContinuousClock.Instant? { lock.withLock { times[stage]?[pod] } }
    func all(_ stage: Stage) -> [String: ContinuousClock.Instant] { lock.withLock { times[stage] ?? [:] } }
}

/// The Kubernetes backend with a stopwatch around it: when an end reached the controller (the observation
/// receiver) and when the controller asked for the next attempt (`start`). Everything else is forwarded.
final class TracedBackend: AttemptBackend, @unchecked Sendable {
    let inner: KubernetesBackend
    let timeline: Timeline

    init(_ inner: KubernetesBackend, timeline: Timeline) {
        self.inner = inner
        self.timeline = timeline
        inner.trace = { [timeline] event in
            switch event {
            case .podEnded(let pod, let at): timeline.note(.podEnded, pod, at: at)
            case .createSending(let pod, let at): timeline.note(.createSending, pod, at: at)
            }
        }
    }

    var name: String { inner.name }
    var capabilities: BackendCapabilities { inner.capabilities }

    func observe(_ receiver: @escaping @Sendable (String, Observation) -> Void) {
        inner.observe { [timeline] runID, observation in
            if case .attemptExited(let ref, _) = observation { timeline.note(.reported, KubeName.attempt(runID: runID, ref)) }
            receiver(runID, observation)
        }
    }

    func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
        timeline.started(KubeName.attempt(runID: spec.runID, spec.ref))
        try inner.start(spec, extraEnvironment: extraEnvironment)
    }

    func cancel(runID: String, attempt: AttemptRef, grace: Duration) { inner.cancel(runID: runID, attempt: attempt, grace: grace) }
    func adopt(runID: String) -> Set<AttemptRef> { inner.adopt(runID: runID) }
    func location(runID: String, attempt: AttemptRef) -> String? { inner.location(runID: runID, attempt: attempt) }
}
