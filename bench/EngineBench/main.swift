// The engine alone with an instant fake backend: every requested attempt succeeds at once and its exit is
// fed back in the next step, as a controller that drains all observations per step would.
// Usage: sluice-bench-engine SHAPE N [--store] [--repeat K]     SHAPE: chain | fanout | dag | map
// `map N` is one map node over N items at parallelism 4: the per-item figure shows whether a step costs what it
// changes (flat) or what the map holds (growing with N).
import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func flowText(_ shape: String, _ n: Int) -> String {
    if shape == "map" {
        return """
            name: bench
            inputs: {xs: list<int>}
            tasks:
              t:
                command: ["true"]
                inputs: {x: int}
                outputs: {x: int}
            nodes:
              - {id: m, map: {over: inputs.xs, as: x, task: t, inputs: {x: x}, parallelism: 4}}
            """
    }
    var rng = SplitMix64(state: 7)
    var out = "name: bench\ntasks:\n  t:\n    command: [\"true\"]\n    inputs: {xs: {type: list<int>, default: []}}\n    outputs: {x: int}\nnodes:\n"
    for i in 0..<n {
        var ups: [Int] = []
        switch shape {
        case "chain": ups = i == 0 ? [] : [i - 1]
        case "fanout": ups = i == 0 ? [] : [0]
        default: if i > 0 { ups = Array(Set((0..<min(i, 1 + rng.below(3))).map { _ in rng.below(i) })).sorted() }
        }
        out += "  - {id: n\(i), task: t, inputs: {xs: [\(ups.map { "n\($0).x" }.joined(separator: ", "))]}}\n"
    }
    return out
}

/// CPU time of this process so far, in seconds (user + system).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

let args = CommandLine.arguments
guard args.count >= 3, let n = Int(args[2]) else {
    print("usage: sluice-bench-engine chain|fanout|dag|map N [--store] [--repeat K]")
    exit(2)
}
let durable = args.contains("--store")
let repeats = args.firstIndex(of: "--repeat").flatMap { Int(args[$0 + 1]) } ?? 3
guard let flow = FlowCompiler.compile(flowText(args[1], n), file: "bench").flow else { print("does not compile"); exit(1) }

let inputs: [String: LiteralValue] = args[1] == "map" ? ["xs": .list((0..<n).map { .int($0) })] : [:]

func once(_ round: Int) throws -> (Double, Double, Int) {
    let engine = Engine(flow: flow)
    var state = RunState.new(id: "bench-\(round)", flow: flow, inputs: inputs, at: Timestamp(milliseconds: 0))
    var store: Store?
    let dir = (ProcessInfo.processInfo.environment["SLUICE_BENCH_DIR"] ?? NSTemporaryDirectory()) + "/sluice-bench-\(getpid())-\(round)"
    if durable {
        try? FileManager.default.removeItem(atPath: dir)
        store = try Store.open(directory: dir, options: StoreOptions(backgroundCheckpoint: true))
        try store!.createRun(NewRun(id: state.header.id, flow: "bench", compiledFlow: StateCoding.encode(flow),
                                    inputs: Data("{}".utf8), header: StateCoding.encode(state.header)))
    }
    var pending: [Observation] = []
    var steps = 0
    var clock: Int64 = 0
    let start = ContinuousClock.now
    let cpuStart = cpuSeconds()
    while true {
        clock += 1
        let r = engine.step(&state, observations: pending, now: Timestamp(milliseconds: clock))
        steps += 1
        if let store {
            _ = try store.commit(StateCoding.commit(r, state: state, runID: state.header.id, location: { "\(dir)/\($0.node)/\($0.attempt)" }, inbox: [], leaseOwner: nil, cachePuts: [], cacheReleases: []))
        }
        pending = []
        var done = false
        for e in r.effects {
            switch e {
            case .startAttempt(let spec):
                pending.append(.attemptStarted(spec.ref))
                pending.append(.attemptExited(spec.ref, AttemptExit(exitCode: 0, outputsJSON: "{\"x\": 1}")))
            case .finished: done = true
            default: break
            }
        }
        if done || (pending.isEmpty && steps > 3) { break }
    }
    let elapsed = ContinuousClock.now - start
    let cpu = cpuSeconds() - cpuStart
    guard state.header.phase == .succeeded else { print("run ended \(state.header.phase)"); exit(1) }
    store?.close()
    try? FileManager.default.removeItem(atPath: dir)
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, cpu, steps)
}

var times: [Double] = []
var cpus: [Double] = []
var steps = 0
for round in 0..<repeats {
    let (t, c, s) = try once(round)
    times.append(t)
    cpus.append(c)
    steps = s
}
times.sort()
cpus.sort()
let median = times[times.count / 2]
let medianCPU = cpus[cpus.count / 2]
// shape n mode median_s us_per_node steps peak_rss_mib cpu_us_per_node
print("\(args[1]) \(n) \(durable ? "sqlite" : "memory") \(median) \(median / Double(n) * 1e6) \(steps) \(peakRSSMiB()) \(medianCPU / Double(n) * 1e6)")
