import Foundation

/// An attempt's logs from a server: printed as they are, or followed until the attempt ends.
enum RemoteLogs {
    /// Prints `streams` (stdout, stderr) of the attempt; with `follow`, each as it is written, until the attempt ends.
    static func show(_ client: RemoteClient, runID: String, node: String, attempt: Int?, streams: [String], follow: Bool) throws {
        let path = RemoteRuns.runPath(runID) + "/nodes/\(RemoteRuns.segment(node))/logs"
        var query: [String: String] = [:]
        if let attempt { query["attempt"] = String(attempt) }
        guard follow else {
            for stream in streams {
                query["stream"] = stream
                LogOutput.write(try client.get(path, query: query))
            }
            return
        }
        query["follow"] = "true"
        let outcomes = Outcomes()
        let group = DispatchGroup()
        for stream in streams {
            query["stream"] = stream
            var built = client.request("GET", path, query: query)
            built.timeout = 3600
            let request = built
            DispatchQueue.global().async(group: group) {
                outcomes.append(StreamingRequest { LogOutput.write($0) }.run(request))
            }
        }
        group.wait()
        for outcome in outcomes.all {
            switch outcome {
            case .ended: continue
            case .reply(let status, let body): try client.check(status, body)
            case .failed(let error): throw client.unreachable(error)
            }
        }
    }

    /// The outcomes of the followed streams, collected from their threads.
    private final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var outcomes: [StreamingRequest.Outcome] = []

        func append(_ outcome: StreamingRequest.Outcome) { lock.withLock { outcomes.append(outcome) } }
        var all: [StreamingRequest.Outcome] { lock.withLock { outcomes } }
    }
}
