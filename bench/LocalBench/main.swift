// The local backend against a plain loop: a chain of N `/bin/true` tasks run by the controller, versus N
// posix_spawn + waitpid of `/bin/true` from a loop, and an M-item map at parallelism 4 versus a posix_spawn loop
// keeping 4 `/bin/true` in flight (measured in the same process just before). Prints total times, the added
// overhead per task, the chain's step-to-step latency (one task's exit, as its supervisor saw it, to the next
// task's start), and a table row per shape.
// Usage: sluice-bench-local [N] [M]   (defaults 200 and 500; M = 0 skips the map). SLUICE_BENCH_DIR: store's folder.
import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceRuntime

#if canImport(Glibc)
import Glibc
#endif

let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1]) ?? 200 : 200
let m = args.count > 2 ? Int(args[2]) ?? 500 : 500

/// `count` spawns of /bin/true, at most `width` alive at once (the bash `xargs -P`/`wait -n` equivalent).
func parallelSpawnLoop(_ count: Int, width: Int) -> Double {
    let start = ContinuousClock.now
    var started = 0, alive = 0
    while started < count || alive > 0 {
        while started < count && alive < width {
            var pid: pid_t = 0
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
            defer { argv.forEach { free($0) } }
            guard posix_spawn(&pid, "/bin/true", nil, nil, argv, environ) == 0 else { fatalError("spawn failed") }
            started += 1; alive += 1
        }
        var status: Int32 = 0
        if waitpid(-1, &status, 0) > 0 { alive -= 1 }
    }
    return seconds(ContinuousClock.now - start)
}

func spawnLoop(_ count: Int) -> Double {
    let start = ContinuousClock.now
    for _ in 0..<count {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/true", nil, nil, argv, environ) == 0 else { fatalError("spawn failed") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
    return seconds(ContinuousClock.now - start)
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func chainFlow(_ count: Int) -> CompiledFlow {
    var text = "name: chain\ntasks:\n  t: {command: [/bin/true], inputs: {i: int}}\nnodes:\n"
    for i in 0..<count { text += "  - {id: n\(i), task: t, inputs: {i: \(i)}\(i > 0 ? ", after: [n\(i - 1)]" : "")}\n" }
    guard let flow = FlowCompiler.compile(text, file: "chain").flow else { fatalError("chain does not compile") }
    return flow
}

/// Reads a JSON file's number field.
func number(_ path: String, _ key: String) -> Double? {
    guard let data = FileManager.default.contents(atPath: path),
          let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    return obj[key] as? Double
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
}

let base = ProcessInfo.processInfo.environment["SLUICE_BENCH_DIR"] ?? NSTemporaryDirectory()
let dir = base + "/sluice-local-bench-\(getpid())"
try? FileManager.default.removeItem(atPath: dir)
let baseline = spawnLoop(n)
let controller = try Controller(directory: dir)
let id = try controller.submit(flow: chainFlow(n), inputs: [:], runID: "bench")
let start = ContinuousClock.now
controller.start()
controller.drive(id)
let final = try controller.waitForEnd(id)
controller.stop()
let total = seconds(ContinuousClock.now - start)
guard final.header.phase == .succeeded else { fatalError("run \(final.header.phase)") }
var gaps: [Double] = []
for i in 1..<n {
    let prev = "\(dir)/attempts/bench/n\(i - 1)/1/result.json", next = "\(dir)/attempts/bench/n\(i)/1/state.json"
    if let end = number(prev, "finishedAt"), let begin = number(next, "startedAt") { gaps.append((begin - end) * 1000) }
}
try? FileManager.default.removeItem(atPath: dir)
print("tasks \(n)")
print(String(format: "plain loop of posix_spawn+waitpid: %.1f ms total, %.2f ms per task", baseline * 1000, baseline * 1000 / Double(n)))
print(String(format: "sluice chain (controller + SQLite + supervisor): %.1f ms total, %.2f ms per task", total * 1000, total * 1000 / Double(n)))
print(String(format: "added overhead per task: %.2f ms", (total - baseline) * 1000 / Double(n)))
print(String(format: "step-to-step latency (exit -> next start): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
             percentile(gaps, 0.5), percentile(gaps, 0.9), percentile(gaps, 0.99), gaps.max() ?? 0))

var mapRow = ""
if m > 0 {
    var text = "name: fan\ninputs: {items: list<int>}\ntasks:\n  t: {command: [/bin/true], inputs: {i: int}}\n"
    text += "nodes:\n  - {id: each, map: {over: inputs.items, as: x, task: t, inputs: {i: x}, parallelism: 4}}\n"
    guard let fan = FlowCompiler.compile(text, file: "fan").flow else { fatalError("map does not compile") }
    let mapDir = base + "/sluice-local-bench-map-\(getpid())"
    try? FileManager.default.removeItem(atPath: mapDir)
    let loop4 = parallelSpawnLoop(m, width: 4)
    let c = try Controller(directory: mapDir)
    let mid = try c.submit(flow: fan, inputs: ["items": .list((0..<m).map { .int($0) })], runID: "map")
    let t0 = ContinuousClock.now
    c.start()
    c.drive(mid)
    let mapFinal = try c.waitForEnd(mid)
    c.stop()
    let mapTotal = seconds(ContinuousClock.now - t0)
    guard mapFinal.header.phase == .succeeded else { fatalError("map run \(mapFinal.header.phase)") }
    try? FileManager.default.removeItem(atPath: mapDir)
    print(String(format: "loop of posix_spawn, 4 in flight: %.1f ms total, %.2f ms per task", loop4 * 1000, loop4 * 1000 / Double(m)))
    print(String(format: "sluice %d-item map, parallelism 4: %.1f ms total, %.2f ms per task", m, mapTotal * 1000, mapTotal * 1000 / Double(m)))
    print(String(format: "added overhead per task (map): %.2f ms", (mapTotal - loop4) * 1000 / Double(m)))
    mapRow = String(format: "| %d-item map, parallelism 4 | %.2f ms | %.2f ms | %.2f ms | | | |", m, loop4 * 1000 / Double(m),
                    mapTotal * 1000 / Double(m), (mapTotal - loop4) * 1000 / Double(m))
}
var load = ""
if let l = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) { load = l.split(separator: " ").prefix(3).joined(separator: " ") }
print("")
print("store: \(base)   load average: \(load)")
print("| shape | loop per task | sluice per task | added per task | step p50 | p90 | p99 |")
print("|---|---:|---:|---:|---:|---:|---:|")
print(String(format: "| %d-task chain | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |", n, baseline * 1000 / Double(n),
             total * 1000 / Double(n), (total - baseline) * 1000 / Double(n), percentile(gaps, 0.5), percentile(gaps, 0.9), percentile(gaps, 0.99)))
if !mapRow.isEmpty { print(mapRow) }
