// The container backend against the bare engine API: the same busybox `true` container created, started,
// waited for and removed by a plain loop (serially for the chain, 4 at a time for the map), versus a
// 50-task chain and a 200-item map (parallelism 4) driven by the controller on the container backend.
// Step-to-step latency is read from the engine's own event times: one chain task's `died` to the next
// task's `create`. Prints one table row per measure.
// Usage: sluice-bench-container [CHAIN] [MAP]   (DOCKER_HOST or the usual sockets)
import DockerEngine
import Foundation
import Logging
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceRuntime

let args = CommandLine.arguments
let chainLength = args.count > 1 ? Int(args[1]) ?? 50 : 50
let mapSize = args.count > 2 ? Int(args[2]) ?? 200 : 200
let image = "busybox:1.36"

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

final class ResultBox<T>: @unchecked Sendable { var result: Result<T, Error>? }

func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// How long each bare `create` call took (ms): the engine emits its `create` event only once it is done.
final class CreateTimes: @unchecked Sendable {
    let lock = NSLock()
    var ms: [Double] = []
    func add(_ d: Duration) {
        lock.lock()
        ms.append(seconds(d) * 1000)
        lock.unlock()
    }
}
let createTimes = CreateTimes()

/// create + start + wait + remove of one `true` container, as the backend would configure it.
func roundTrip(_ client: EngineClient, _ name: String) async throws {
    var config = ContainerConfig(image: image)
    config.entrypoint = ["true"]
    config.cmd = []
    config.labels = ["sluice.dev/bench": "bare"]
    let before = ContinuousClock.now
    let id = try await client.createContainer(name: name, config)
    createTimes.add(ContinuousClock.now - before)
    try await client.startContainer(id)
    _ = try await client.waitContainer(id)
    try await client.removeContainer(id, force: true)
}

func bare(_ client: EngineClient, count: Int, parallel: Int) throws -> Double {
    let tag = UInt32.random(in: 0...UInt32.max)
    return try blocking {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(parallel, count) {
                let i = next
                next += 1
                group.addTask { try await roundTrip(client, "sluice-bench-\(tag)-\(i)") }
            }
            while try await group.next() != nil, next < count {
                let i = next
                next += 1
                group.addTask { try await roundTrip(client, "sluice-bench-\(tag)-\(i)") }
            }
            try await group.waitForAll()
        }
        return seconds(ContinuousClock.now - start)
    }
}

func flow(_ text: String) -> CompiledFlow {
    let r = FlowCompiler.compile(text, file: "bench")
    guard let f = r.flow else { fatalError("\(r.diagnostics)") }
    return f
}

func chainFlow(_ count: Int) -> CompiledFlow {
    var text = "name: chain\ntasks:\n  t: {image: \"\(image)\", command: [\"true\"], inputs: {i: int}}\nnodes:\n"
    for i in 0..<count { text += "  - {id: n\(i), task: t, inputs: {i: \(i)}\(i > 0 ? ", after: [n\(i - 1)]" : "")}\n" }
    return flow(text)
}

func mapFlow(_ count: Int) -> CompiledFlow {
    flow("""
        name: fan
        inputs: {items: list<int>}
        tasks:
          t: {image: "\(image)", command: ["true"], inputs: {i: int}}
        nodes:
          - {id: each, map: {over: inputs.items, as: x, task: t, inputs: {i: x}, parallelism: 4}}
        """)
}

/// Drives one run on a fresh store over the container backend; its wall time.
func drive(_ client: EngineClient, _ f: CompiledFlow, inputs: [String: LiteralValue]) throws -> (Double, String) {
    let dir = NSTemporaryDirectory() + "sluice-container-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let backend = ContainerBackend(client: client, root: dir + "/attempts", secrets: LocalSecrets(directory: dir + "/secrets"))
    let controller = try Controller(directory: dir, backend: backend)
    let id = try controller.submit(flow: f, inputs: inputs)
    let start = ContinuousClock.now
    controller.start()
    controller.drive(id)
    let final = try controller.waitForEnd(id)
    let total = seconds(ContinuousClock.now - start)
    controller.stop()
    backend.stop()
    guard final.header.phase == .succeeded else { fatalError("run \(id) \(final.header.phase)") }
    try? FileManager.default.removeItem(atPath: dir)
    return (total, id)
}

/// Collects the engine's create and died times (ns) per container name while `body` runs.
final class EventLog: @unchecked Sendable {
    let lock = NSLock()
    var created: [String: Int64] = [:]
    var died: [String: Int64] = [:]
    /// When this process received the `died` event (Podman's file-backed event stream delivers it late).
    var diedSeen: [String: Int64] = [:]
    func add(_ e: EngineEvent) {
        // Keyed by the attempt's run and node labels: container names also carry the store's id.
        guard let run = e.attributes["sluice.dev/run"], let node = e.attributes["sluice.dev/node"], let t = e.time else { return }
        let name = ContainerBenchNames.key(run, node)
        let ns = Int64(t.timeIntervalSince1970 * 1e9)
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        lock.lock()
        defer { lock.unlock() }
        if e.action == .create { created[name] = ns }
        if e.action == .died {
            died[name] = ns
            diedSeen[name] = now
        }
    }
}

/// Stamps the container backend's trace lines "logs copied" (the engine has served the ended container's log)
/// and "creating the container" (just before its `create` call): with the `died` events this process receives,
/// the backend's share of a step without the engine's create, split at the engine's log read.
struct CreateStamps: LogHandler {
    static let lock = NSLock()
    nonisolated(unsafe) static var sent: [String: Int64] = [:]
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        guard let run = metadata?["run"], let node = metadata?["node"],
              ["creating the container", "logs copied"].contains(message.description) else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let key = ContainerBenchNames.key("\(run)", "\(node)") + "#" + message.description
        Self.lock.withLock { Self.sent[key] = now }
    }
}
LoggingSystem.bootstrap { label -> any LogHandler in label == "sluice.container" ? CreateStamps() : SwiftLogNoOpLogHandler() }

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
}

let discovery = try blocking { await EngineDiscovery.run(explicit: nil) }
guard let found = discovery.found else { fatalError(discovery.failure) }
let client = EngineClient(endpoint: found.endpoint)
_ = try bare(client, count: 3, parallel: 1)  // warm the image and the engine

let log = EventLog()
let watcher = Task.detached {
    let events = try await client.events(labels: ["sluice.dev/managed": "true"])
    for try await e in events { log.add(e) }
}
let bareChain = try bare(client, count: chainLength, parallel: 1)
let (chain, chainID) = try drive(client, chainFlow(chainLength), inputs: [:])
let bareMap = try bare(client, count: mapSize, parallel: 4)
let (map, _) = try drive(client, mapFlow(mapSize), inputs: ["items": .list((0..<mapSize).map { .int($0) })])
watcher.cancel()

var gaps: [Double] = [], ours: [Double] = [], backend: [Double] = [], logsRead: [Double] = [], afterLogs: [Double] = []
for i in 1..<chainLength {
    let prev = ContainerBenchNames.key(chainID, "n\(i - 1)"), next = ContainerBenchNames.key(chainID, "n\(i)")
    log.lock.lock()
    let d = log.died[prev], seen = log.diedSeen[prev], c = log.created[next]
    log.lock.unlock()
    if let d, let c { gaps.append(Double(c - d) / 1e6) }
    if let seen, let c { ours.append(Double(c - seen) / 1e6) }
    let (sent, copied) = CreateStamps.lock.withLock { (CreateStamps.sent[next + "#creating the container"], CreateStamps.sent[prev + "#logs copied"]) }
    if let seen, let sent { backend.append(Double(sent - seen) / 1e6) }
    if let seen, let copied { logsRead.append(Double(copied - seen) / 1e6) }
    if let copied, let sent { afterLogs.append(Double(sent - copied) / 1e6) }
}

enum ContainerBenchNames {
    static func key(_ run: String, _ node: String) -> String { run + "/" + node }
}

var load = [Double](repeating: 0, count: 3)
getloadavg(&load, 3)
print("engine: \(found.version.product) \(found.version.version) (API \(found.version.apiVersion)); load average \(String(format: "%.2f", load[0]))")
print("| measure | bare engine API | sluice container backend | overhead per task |")
print("|---|---|---|---|")
print(String(format: "| %d-task chain | %.1f ms/task | %.1f ms/task | %+.1f ms (%+.0f%%) |", chainLength,
             bareChain * 1000 / Double(chainLength), chain * 1000 / Double(chainLength),
             (chain - bareChain) * 1000 / Double(chainLength), (chain / bareChain - 1) * 100))
print(String(format: "| %d-item map, parallelism 4 | %.1f ms/task | %.1f ms/task | %+.1f ms (%+.0f%%) |", mapSize,
             bareMap * 1000 / Double(mapSize), map * 1000 / Double(mapSize),
             (map - bareMap) * 1000 / Double(mapSize), (map / bareMap - 1) * 100))
print(String(format: "| step-to-step (engine's died → next create) | | p50 %.1f ms, p90 %.1f ms (n=%d) | |",
             percentile(gaps, 0.5), percentile(gaps, 0.9), gaps.count))
print(String(format: "| step-to-step (died event received → next create) | | p50 %.1f ms, p90 %.1f ms (n=%d) | |",
             percentile(ours, 0.5), percentile(ours, 0.9), ours.count))
let createP50 = percentile(createTimes.ms, 0.5)
print(String(format: "| the engine's own create call (bare) | p50 %.1f ms | step-to-step less it: p50 %.1f ms | |",
             createP50, percentile(ours, 0.5) - createP50))
print(String(format: "| step-to-step, the backend's own part (died event received → its create call sent) | | p50 %.1f ms, p90 %.1f ms (n=%d) | |",
             percentile(backend, 0.5), percentile(backend, 0.9), backend.count))

print(String(format: "| … of which: died received → the ended container's log read from the engine | | p50 %.1f ms, p90 %.1f ms | |",
             percentile(logsRead, 0.5), percentile(logsRead, 0.9)))
print(String(format: "| … of which: log read → next create call sent (the controller's step) | | p50 %.2f ms, p90 %.2f ms | |",
             percentile(afterLogs, 0.5), percentile(afterLogs, 0.9)))
