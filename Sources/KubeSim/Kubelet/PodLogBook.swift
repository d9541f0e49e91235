import Foundation
import Synchronization

/// A container log as byte chunks; chunk boundaries are not line boundaries.
public typealias PodLogStream = AsyncStream<[UInt8]>

/// The logs of every container the kubelet runs, by pod; what the `pods/log` route reads.
public final class PodLogBook: Sendable {
    struct ContainerEntry {
        var current = ContainerLog()
        var previous: ContainerLog?
        /// Why the container has not started yet (`ContainerCreating`, `ImagePullBackOff`); nil once it has.
        var waiting: String? = "ContainerCreating"
    }

    struct PodEntry {
        var uid: String
        var order: [String]
        var containers: [String: ContainerEntry]
    }

    let pods = Mutex<[String: PodEntry]>([:])

    public init() {}

    static func key(_ namespace: String, _ pod: String) -> String { "\(namespace)/\(pod)" }

    /// Starts the book of a pod (again, when a new pod reuses the name).
    func register(namespace: String, pod: String, uid: String, containers: [String]) {
        pods.withLock { pods in
            let key = Self.key(namespace, pod)
            if pods[key]?.uid == uid { return }
            pods[key] = PodEntry(uid: uid, order: containers,
                                 containers: Dictionary(uniqueKeysWithValues: containers.map { ($0, ContainerEntry()) }))
        }
    }

    /// The current log of a container, marking it started; a fresh one when the last run ended and was
    /// kept as the previous one (a restart).
    func started(namespace: String, pod: String, container: String) -> ContainerLog? {
        pods.withLock { pods in
            let key = Self.key(namespace, pod)
            guard var entry = pods[key]?.containers[container] else { return nil }
            entry.waiting = nil
            if let previous = entry.previous, previous === entry.current { entry.current = ContainerLog() }
            pods[key]?.containers[container] = entry
            return entry.current
        }
    }

    /// Records why a container waits (shown by a log request before it starts).
    func waiting(namespace: String, pod: String, container: String, reason: String) {
        pods.withLock { $0[Self.key(namespace, pod)]?.containers[container]?.waiting = reason }
    }

    /// The container ended and waits to restart (CrashLoopBackOff): its run is also the previous one, and
    /// stays what a plain log request shows until a new run starts (a kubelet shows the last run).
    func restarted(namespace: String, pod: String, container: String) {
        pods.withLock { pods in
            let key = Self.key(namespace, pod)
            guard var entry = pods[key]?.containers[container] else { return }
            entry.current.end()
            entry.previous = entry.current
            pods[key]?.containers[container] = entry
        }
    }

    /// Ends every follower of the pod's logs (the pod ended or is gone).
    func endAll(namespace: String, pod: String) {
        let logs = pods.withLock { $0[Self.key(namespace, pod)]?.containers.values.map(\.current) ?? [] }
        for log in logs { log.end() }
    }

    func remove(namespace: String, pod: String, uid: String) {
        let removed = pods.withLock { pods -> PodEntry? in
            let key = Self.key(namespace, pod)
            guard pods[key]?.uid == uid else { return nil }
            return pods.removeValue(forKey: key)
        }
        for entry in removed?.containers.values ?? [:].values { entry.current.end() }
    }

    /// The log of `container` (the only one when nil) as byte chunks: the last `tailLines` lines (all when
    /// nil), then with `follow` whatever the container writes until it ends. Errors are the real server's:
    /// 404 for an unknown pod, 400 for a container not named in a multi-container pod, unknown, not yet
    /// started, or without a previous run.
    public func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?,
                     follow: Bool, since: Date? = nil, timestamps: Bool = false) throws(SimStatusError) -> PodLogStream {
        let found = pods.withLock { $0[Self.key(namespace, pod)] }
        guard let entry = found else { throw .notFound(.pods, pod) }
        let name: String
        if let container {
            name = container
        } else if entry.order.count == 1 {
            name = entry.order[0]
        } else {
            throw Self.badRequest("a container name must be specified for pod \(pod), choose one of: [\(entry.order.joined(separator: " "))]")
        }
        guard let c = entry.containers[name] else {
            throw Self.badRequest("container \(name) is not valid for pod \(pod)")
        }
        if previous {
            guard let log = c.previous else {
                throw Self.badRequest("previous terminated container \"\(name)\" in pod \"\(pod)\" not found")
            }
            return log.stream(tailLines: tailLines, follow: false, since: since, timestamps: timestamps)
        }
        if let reason = c.waiting {
            throw Self.badRequest("container \"\(name)\" in pod \"\(pod)\" is waiting to start: \(reason)")
        }
        return c.current.stream(tailLines: tailLines, follow: follow, since: since, timestamps: timestamps)
    }

    static func badRequest(_ message: String) -> SimStatusError {
        SimStatusError(code: 400, reason: "BadRequest", message: message)
    }
}
