import Foundation
import SluiceRuntime
import SluiceServer
import SluiceStore
import XCTest

/// A server on a free loopback port over a store in a fresh temporary folder, in this process.
final class TestServer: @unchecked Sendable {
    let store: String
    let server: APIServer
    private(set) var port = 0
    private let stopped = DispatchSemaphore(value: 0)
    private var task: Task<Void, Never>?

    init(store: String = TestServer.temporaryStore(), taskUser: TaskUser? = nil, adminName: String = "test-admin",
         configure: (inout APIServer.Configuration) -> Void = { _ in }) throws {
        self.store = store
        var configuration = APIServer.Configuration(storeDirectory: store, host: "127.0.0.1", port: 0,
                                                    owner: LeaseOwner("test-\(UUID().uuidString)"), taskUser: taskUser)
        configure(&configuration)
        server = try APIServer(configuration)
        let listening = DispatchSemaphore(value: 0)
        let box = PortBox()
        let server = self.server, stopped = self.stopped
        task = Task {
            try? await server.run { port in
                box.set(port)
                listening.signal()
            }
            stopped.signal()
        }
        guard listening.wait(timeout: .now() + 20) == .success else { throw LoopbackClient.Failure.closed }
        port = box.get()
        adminToken = try server.controller.store.createToken(name: adminName, role: .admin).secret
    }

    /// An admin token, created at start.
    private(set) var adminToken = ""

    /// A client with the admin token.
    var client: LoopbackClient { LoopbackClient(port: port, token: adminToken) }

    /// A client with a new token named `name`: approvals and signals it sends are recorded as `name`'s.
    func client(as name: String, role: TokenRole = .operator) throws -> LoopbackClient {
        LoopbackClient(port: port, token: try server.controller.store.createToken(name: name, role: role).secret)
    }

    /// Stops the server (graceful) and waits until it has; the store is removed unless `keepStore`.
    func stop(keepStore: Bool = false) {
        let server = self.server
        Task { await server.shutdown() }
        if stopped.wait(timeout: .now() + 120) == .timedOut { XCTFail("the server did not stop within 120 s") }
        task = nil
        if !keepStore { try? FileManager.default.removeItem(atPath: store) }
    }

    deinit { if task != nil { stop() } }

    static func temporaryStore() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sluice-server-\(UUID().uuidString)").path
    }

    /// Polls `GET /api/v1/runs/{id}` until its state is one of `states`; returns the run tree.
    @discardableResult
    func waitForRun(_ id: String, in states: Set<String>, timeout: TimeInterval = 30,
                    file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try client.get("/api/v1/runs/\(id)").json
            if let s = last["state"] as? String, states.contains(s) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("run \(id) never reached \(states); last: \(last)", file: file, line: line)
        return last
    }

    /// Polls until node `node` of run `id` is in `state`.
    func waitForNode(_ id: String, _ node: String, state: String, timeout: TimeInterval = 30,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let tree = try client.get("/api/v1/runs/\(id)").json
            if Self.node(tree, node)?["state"] as? String == state { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("node \(id)/\(node) never reached \(state)", file: file, line: line)
    }

    /// A node of a run tree, searched through steps and children.
    static func node(_ tree: [String: Any], _ id: String) -> [String: Any]? {
        func find(_ nodes: [[String: Any]]) -> [String: Any]? {
            for n in nodes {
                if n["id"] as? String == id { return n }
                if let c = find(n["children"] as? [[String: Any]] ?? []) { return c }
            }
            return nil
        }
        return find(tree["nodes"] as? [[String: Any]] ?? [])
    }
}

/// The bound port, handed from the server task to the test thread.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ p: Int) { lock.lock(); port = p; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return port }
}

/// Reads a `text/event-stream` response event by event.
final class EventStreamReader {
    struct Event {
        var id: Int64
        var data: [String: Any]
    }

    let status: Int
    private let connection: Connection
    private var decoder = ChunkDecoder()
    private var text = ""
    private var ended = false

    init(port: Int, path: String, lastEventID: Int64? = nil, token: String?) throws {
        connection = try Connection(port: port)
        var headers = ["Accept": "text/event-stream"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if let lastEventID { headers["Last-Event-ID"] = String(lastEventID) }
        connection.write(LoopbackClient.head("GET", path, body: nil, headers: headers))
        var raw = Data()
        while raw.range(of: Data("\r\n\r\n".utf8)) == nil {
            guard let more = connection.read() else { throw LoopbackClient.Failure.closed }
            raw.append(more)
        }
        let split = raw.range(of: Data("\r\n\r\n".utf8))!
        status = try LoopbackClient.parseHead(raw[..<split.lowerBound]).0
        text = String(decoding: decoder.feed(Data(raw[split.upperBound...])), as: UTF8.self)
    }

    /// The next event with an id, or nil when the stream has ended.
    func next() -> Event? {
        while true {
            while let range = text.range(of: "\n\n") {
                let block = String(text[..<range.lowerBound])
                text = String(text[range.upperBound...])
                var id: Int64?
                var data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                    if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                }
                if let id, let obj = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] {
                    return Event(id: id, data: obj)
                }
            }
            if ended || decoder.finished { return nil }
            guard let more = connection.read() else { ended = true; continue }
            text += String(decoding: decoder.feed(more), as: UTF8.self)
        }
    }

    func close() { connection.close() }
}
