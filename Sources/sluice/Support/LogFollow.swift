import Foundation
import SluiceRuntime
import SluiceStore

/// Where attempt logs are read from: the store's attempt folders, or a server's log endpoint.
protocol NodeLogSource {
    /// The streams read, in order (`stdout`, `stderr`).
    var streams: [String] { get }
    /// Only the last this many lines of each stream, on the first read.
    var tail: Int? { get }
    /// The stream's bytes from `offset` to what has been written so far.
    func chunk(node: String, attempt: Int, stream: String, from offset: UInt64) throws -> Data
}

/// Logs in the store: `<attempt folder>/stdout.log` and `stderr.log`.
struct LocalNodeLogs: NodeLogSource {
    let store: Store
    let runID: String
    let files: [String]
    let tail: Int?

    var streams: [String] { files.map { String($0.dropLast(4)) } }

    func chunk(node: String, attempt: Int, stream: String, from offset: UInt64) throws -> Data {
        let record = try store.attempts(runID: runID, nodeID: node).first { $0.attempt == attempt && $0.purpose == .run }
        guard let dir = record?.logDirectory, let h = FileHandle(forReadingAtPath: dir + "/" + stream + ".log") else { return Data() }
        defer { try? h.close() }
        try? h.seek(toOffset: offset)
        return (try? h.readToEnd()) ?? Data()
    }
}

/// Logs on a server: the whole stream is fetched and the part not yet printed kept.
struct RemoteNodeLogs: NodeLogSource {
    let client: RemoteClient
    let runID: String
    let streams: [String]
    let tail: Int?

    func chunk(node: String, attempt: Int, stream: String, from offset: UInt64) throws -> Data {
        let path = RemoteRuns.runPath(runID) + "/nodes/\(RemoteRuns.segment(node))/logs"
        let data = try client.get(path, query: ["attempt": String(attempt), "stream": stream])
        return offset < UInt64(data.count) ? data.subdata(in: Int(offset)..<data.count) : Data()
    }
}

/// Prints one node's logs, or every node's, once or until their attempts end.
enum LogFollow {
    static let interval: TimeInterval = 0.2

    /// One node's attempt (the latest, or `attempt`); with `follow`, waits for a node that has not started.
    static func one(_ node: String, attempt: Int?, _ first: RunView, _ logs: any NodeLogSource, follow: Bool,
                    read: () throws -> RunView) throws {
        var view = first
        var announced = false
        var chosen: RunView.Attempt?
        while chosen == nil {
            let n = view.allNodes.first { $0.id == node }
            let runs = (n?.attempts ?? []).filter { $0.purpose == "run" }
            chosen = attempt.map { a in runs.first { $0.number == a } } ?? runs.last
            if chosen != nil { break }
            if let attempt, !runs.isEmpty { throw CLIError.input("node '\(node)' has no attempt \(attempt) (it has \(runs.count))") }
            let state = n?.state ?? "pending"
            if view.hasFinished {
                throw CLIError.input("node '\(node)' of run \(view.id) did not run (\(state)); the run ended \(view.state)")
            }
            guard follow else {
                throw CLIError.input("node '\(node)' of run \(view.id) has not started yet (\(state)); `-f` waits for it")
            }
            if !announced {
                FileHandleOutput.standardError("node '\(node)' of run \(view.id) has not started yet (\(state)); waiting for it (Ctrl-C to stop)")
                announced = true
            }
            Thread.sleep(forTimeInterval: interval)
            view = try read()
        }
        let number = chosen!.number
        var printer = Printer(logs: logs, prefix: false)
        while true {
            let running = ["queued", "running"].contains(currentState(view, node, number) ?? "")
            for s in logs.streams { try printer.print(node: node, attempt: number, stream: s) }
            if !follow || !running { break }
            Thread.sleep(forTimeInterval: interval)
            view = try read()
        }
        printer.flush()
    }

    /// The latest attempt of every node that ran, each line after `[NODE] `; with `follow`, until the run ends.
    static func all(_ first: RunView, _ logs: any NodeLogSource, follow: Bool, read: () throws -> RunView) throws {
        var view = first
        var printer = Printer(logs: logs, prefix: true)
        if !follow, !view.allNodes.contains(where: { !$0.attempts.isEmpty }) {
            FileHandleOutput.standardError("no node of run \(view.id) has started yet")
        }
        while true {
            let done = view.hasFinished
            for n in view.allNodes {
                guard let a = n.attempts.last(where: { $0.purpose == "run" }) else { continue }
                for s in logs.streams { try printer.print(node: n.id, attempt: a.number, stream: s) }
            }
            if !follow || done { break }
            Thread.sleep(forTimeInterval: interval)
            view = try read()
        }
        printer.flush()
    }

    private static func currentState(_ view: RunView, _ node: String, _ number: Int) -> String? {
        view.allNodes.first { $0.id == node }?.attempts.first { $0.number == number && $0.purpose == "run" }?.state
    }

    /// Copies new bytes of each stream to stdout, keeping offsets; with a prefix, whole lines only, each after
    /// `[NODE] ` (a line still being written waits for its end, or for `flush`).
    struct Printer {
        let logs: any NodeLogSource
        let prefix: Bool
        private var offsets: [String: UInt64] = [:]
        private var partial: [String: (node: String, text: Data)] = [:]

        init(logs: any NodeLogSource, prefix: Bool) {
            self.logs = logs
            self.prefix = prefix
        }

        mutating func print(node: String, attempt: Int, stream: String) throws {
            let key = "\(node)\u{0}\(attempt)\u{0}\(stream)"
            let offset = offsets[key]
            var data = try logs.chunk(node: node, attempt: attempt, stream: stream, from: offset ?? 0)
            offsets[key] = (offset ?? 0) + UInt64(data.count)
            if offset == nil, let tail = logs.tail { data = Self.lastLines(data, tail) }
            guard !data.isEmpty else { return }
            guard prefix else { return LogOutput.write(data) }
            var pending = (partial[key]?.text ?? Data()) + data
            var out = Data()
            while let newline = pending.firstIndex(of: 0x0A) {
                out += Data("[\(node)] ".utf8) + pending[pending.startIndex...newline]
                pending = Data(pending[(newline + 1)...])
            }
            partial[key] = (node, pending)
            if !out.isEmpty { LogOutput.write(out) }
        }

        /// Prints lines that never got their newline.
        mutating func flush() {
            for key in partial.keys.sorted() {
                guard let p = partial[key], !p.text.isEmpty else { continue }
                LogOutput.write(Data("[\(p.node)] ".utf8) + p.text + Data("\n".utf8))
            }
            partial = [:]
        }

        /// The last `count` lines of `data` (a final line without newline counts as one).
        static func lastLines(_ data: Data, _ count: Int) -> Data {
            guard count > 0 else { return Data() }
            let bytes = [UInt8](data)
            var end = bytes.count
            if end > 0, bytes[end - 1] == 0x0A { end -= 1 }
            var seen = 0
            var i = end
            while i > 0 {
                if bytes[i - 1] == 0x0A {
                    seen += 1
                    if seen == count { return Data(bytes[i...]) }
                }
                i -= 1
            }
            return data
        }
    }
}
