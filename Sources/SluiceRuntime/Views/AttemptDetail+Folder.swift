import Foundation
import SluiceAPI

/// Reads an attempt's details from what its backend recorded in the attempt folder: the local supervisor's
/// `state.json` (the task's pid), the container backend's `container.json`, the Kubernetes backend's `pod.json`
/// and `events.log`. Blocking file reads: call it from a thread that may block (the server's store threads).
extension AttemptDetail {
    public init(number: Int, purpose: String, state: String, backend: String, readingFolder path: String?) {
        self.init(number: number, purpose: purpose, state: state, backend: backend, folder: path)
        guard let path, !path.isEmpty else { return }
        let folder = AttemptFolder(path: path)
        if let s = SupervisorState.read(folder) { process = Process(pid: s.taskPid) }
        if let c = ContainerMarker.read(folder) { container = Container(name: c.name, id: c.id, image: c.image) }
        if let p = PodMarker.read(folder.podMarker) {
            pod = Pod(name: p.pod, namespace: p.namespace, node: p.node)
            events = PodEventLog.read(folder)
        } else if backend == "kubernetes" {
            events = []
        }
    }
}

/// The Kubernetes Events about an attempt's pod, one JSON object a line in the attempt folder's `events.log`.
enum PodEventLog {
    /// The newest events kept in a reply: a pod stuck in a crash loop can collect thousands of lines.
    static let limit = 200

    static func line(_ e: AttemptDetail.PodEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(e)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    /// The last `limit` events of the log (oldest first); lines that are not an event are skipped.
    static func read(_ folder: AttemptFolder) -> [AttemptDetail.PodEvent] {
        guard let tail = FileIO.readTail(folder.events, count: 256 * 1024) else { return [] }
        var lines = tail.bytes.split(separator: UInt8(ascii: "\n"))
        // A tail that begins inside the file begins inside a line: drop that part line.
        if tail.size > Int64(tail.bytes.count), !lines.isEmpty { lines.removeFirst() }
        let decoder = JSONDecoder()
        let events = lines.compactMap { try? decoder.decode(AttemptDetail.PodEvent.self, from: Data($0)) }
        return Array(events.suffix(limit))
    }
}
