// Times `FlowCompiler.compile` on generated flows. One scenario per process, so peak RSS is the scenario's own.
// Usage: sluice-bench-compile SHAPE N [--format yaml|json] [--repeat K]
//   SHAPE: chain | fanout | dag
import SluiceCompiler

#if canImport(Glibc)
import Glibc
#endif

/// A small deterministic random generator (SplitMix64), so every run compiles the same DAG.
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

/// Writes a flow with `n` task nodes whose upstream sets come from `edges(i)`.
func flow(_ n: Int, json: Bool, edges: (Int) -> [Int]) -> String {
    var out = json ? "{\"name\": \"bench\", \"tasks\": {\"t\": {\"command\": [\"true\"], \"inputs\": {\"xs\": \"list<int>\"}, \"outputs\": {\"x\": \"int\"}}},\n\"nodes\": [\n"
        : "name: bench\ntasks:\n  t:\n    command: [\"true\"]\n    inputs: {xs: list<int>}\n    outputs: {x: int}\nnodes:\n"
    out.reserveCapacity(n * 60)
    for i in 0..<n {
        let refs = edges(i).map { "n\($0).x" }.joined(separator: ", ")
        if json {
            let quoted = edges(i).map { "\"n\($0).x\"" }.joined(separator: ", ")
            out += "{\"id\": \"n\(i)\", \"task\": \"t\", \"inputs\": {\"xs\": [\(quoted)]}}\(i == n - 1 ? "" : ",")\n"
        } else {
            out += "  - {id: n\(i), task: t, inputs: {xs: [\(refs)]}}\n"
        }
    }
    return out + (json ? "]}\n" : "")
}

func generate(_ shape: String, _ n: Int, json: Bool) -> String? {
    switch shape {
    case "chain": return flow(n, json: json) { $0 == 0 ? [] : [$0 - 1] }
    case "fanout": return flow(n, json: json) { $0 == 0 ? [] : [0] }
    case "dag":
        var rng = SplitMix64(state: 42)
        return flow(n, json: json) { i in
            guard i > 0 else { return [] }
            let k = min(i, 1 + rng.below(3))
            return Array(Set((0..<k).map { _ in rng.below(i) })).sorted()
        }
    default: return nil
    }
}

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

let args = CommandLine.arguments
guard args.count >= 3, let n = Int(args[2]), n > 0 else {
    print("usage: sluice-bench-compile chain|fanout|dag N [--format yaml|json] [--repeat K]")
    exit(2)
}
let json = args.contains("json")
let repeats = args.firstIndex(of: "--repeat").flatMap { Int(args[$0 + 1]) } ?? 5
guard let text = generate(args[1], n, json: json) else {
    print("unknown shape \(args[1])")
    exit(2)
}
var times: [Double] = []
for _ in 0..<repeats {
    let start = ContinuousClock.now
    let result = FlowCompiler.compile(text, file: "bench")
    let elapsed = ContinuousClock.now - start
    guard result.isValid, result.flow?.workflow.nodes.count == n else {
        print("compile failed: \(result.diagnostics.prefix(3).map(\.description))")
        exit(1)
    }
    times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
times.sort()
let median = times[times.count / 2]
// shape n format median_s us_per_node peak_rss_mib bytes
print("\(args[1]) \(n) \(json ? "json" : "yaml") \(median) \(median / Double(n) * 1e6) \(peakRSSMiB()) \(text.utf8.count)")
