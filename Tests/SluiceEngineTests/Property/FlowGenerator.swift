import SluiceModel
@testable import SluiceEngine

/// A small seeded random source (SplitMix64), so a failing case is found again from its seed.
struct SeededRandom {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Random flows over every node kind the engine runs without a compiler at hand (task, map, subflow with
/// retries, branch, sleep/approve/signal gates), with retries, timeouts, heartbeats, caching, revert and the
/// failure policies. Edges are `after:` only, so every flow type-checks.
enum FlowGenerator {
    static func flow(_ rng: inout SeededRandom) -> String {
        let count = 2 + rng.below(5)
        var nodes: [String] = []
        for i in 0..<count {
            let after = i == 0 || rng.chance(30) ? "" : ", after: [n\(rng.below(i))]"
            nodes.append("  - " + node(i, after: after, &rng))
        }
        let policy = rng.pick(["fail-fast", "finish-running", "revert"])
        let failureNode = rng.chance(40) ? ", node: {task: t}" : ""
        return """
            name: prop
            inputs:
              k: {type: int, default: \(rng.below(5))}
              xs: {type: list<int>, default: [\((0..<(1 + rng.below(6))).map(String.init).joined(separator: ", "))]}
            tasks:
              t:
                command: [work, "{{inputs.x}}"]
                inputs: {x: {type: int, default: 0}}
                outputs: {y: int}
                retries: {attempts: \(1 + rng.below(3)), backoff: {base: 1s, factor: 2, max: 4s}}
                timeout: {runtime: \(5 + rng.below(20))s, queued: 30s, deadline: 2m}
                \(rng.chance(30) ? "heartbeat: 10s" : "cache: {version: \"1\", serialize: \(rng.chance(50))}")
                revert: {command: [undo]}
            workflows:
              inner:
                inputs: {x: int}
                outputs: {out: b.y}
                nodes:
                  - {id: a, task: t, inputs: {x: inputs.x}}
                  - {id: b, task: t, inputs: {x: a.y}}
                  - {id: c, map: {over: [1, 2, 3], as: v, task: t, inputs: {x: v}, parallelism: 2}}
            on_failure: {policy: \(policy)\(failureNode)}
            nodes:
            \(nodes.joined(separator: "\n"))
            """
    }

    private static func node(_ i: Int, after: String, _ rng: inout SeededRandom) -> String {
        switch rng.below(8) {
        case 0, 1: return "{id: n\(i), task: t, inputs: {x: \(i)}\(after)}"
        case 2:
            let minimum = rng.chance(50) ? ", min_successes: \(1 + rng.below(3))" : ""
            return "{id: n\(i), map: {over: inputs.xs, as: v, task: t, inputs: {x: v}, parallelism: \(1 + rng.below(3))\(minimum)}\(after)}"
        case 3: return "{id: n\(i), workflow: inner, inputs: {x: \(i)}, retries: {attempts: \(1 + rng.below(3))}\(after)}"
        case 4:
            return "{id: n\(i), if: [{when: \"inputs.k > 2\", then: {task: t, inputs: {x: 1}}}, {else: {task: t, inputs: {x: 2}}}]\(after)}"
        case 5: return "{id: n\(i), gate: {sleep: \(1 + rng.below(10))s}\(after)}"
        case 6: return "{id: n\(i), gate: {approve: inputs.xs}, timeout: 1m\(after)}"
        default: return "{id: n\(i), gate: {signal: s\(i), type: int}, timeout: 1m\(after)}"
        }
    }
}
