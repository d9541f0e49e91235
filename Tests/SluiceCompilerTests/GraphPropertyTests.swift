import Testing

@testable import SluiceCompiler
import SluiceModel

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64), so failures reproduce from their seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random DAG over vertices 0..<count whose edges go from lower to higher numbers,
/// written into the file in a shuffled order so the compiler has to sort it.
struct RandomDAG: CustomTestStringConvertible, Sendable {
    let seed: UInt64
    let count: Int
    /// upstream[v]: the vertices v waits for, split into data edges (`xs: [u.y]`) and `after:` edges.
    var dataUpstream: [[Int]]
    var afterUpstream: [[Int]]
    /// filePosition[v]: where vertex v is written; fileOrder[k]: the vertex written k-th.
    let fileOrder: [Int]
    let filePosition: [Int]

    var testDescription: String { "seed \(seed), \(count) nodes" }

    static func id(_ v: Int) -> String { "n\(v)" }

    init(seed: UInt64, count: Int) {
        var rng = SplitMix64(seed: seed)
        self.seed = seed
        self.count = count
        var data = [[Int]](repeating: [], count: count)
        var after = [[Int]](repeating: [], count: count)
        for v in 1..<max(count, 1) {
            let fanIn = Int.random(in: 0...3, using: &rng)
            var chosen = Set<Int>()
            for _ in 0..<fanIn {
                // Mostly near neighbours (long chains, deep graphs), sometimes any earlier vertex (wide joins).
                let u = Bool.random(using: &rng)
                    ? v - Int.random(in: 1...min(v, 8), using: &rng)
                    : Int.random(in: 0..<v, using: &rng)
                guard chosen.insert(u).inserted else { continue }
                if Bool.random(using: &rng) { data[v].append(u) } else { after[v].append(u) }
            }
        }
        dataUpstream = data
        afterUpstream = after
        var order = Array(0..<count)
        order.shuffle(using: &rng)
        fileOrder = order
        var position = [Int](repeating: 0, count: count)
        for (k, v) in order.enumerated() { position[v] = k }
        filePosition = position
    }

    func upstream(_ v: Int) -> Set<Int> { Set(dataUpstream[v]).union(afterUpstream[v]) }

    /// The longest path from a root to each vertex (vertices are numbered in a topological order).
    var depths: [Int] {
        var depth = [Int](repeating: 0, count: count)
        for v in 0..<count {
            for u in upstream(v) { depth[v] = max(depth[v], depth[u] + 1) }
        }
        return depth
    }

    /// Every vertex that `v` depends on, directly or not.
    func ancestors(of v: Int) -> Set<Int> {
        var seen = Set<Int>()
        var stack = Array(upstream(v))
        while let u = stack.popLast() {
            if seen.insert(u).inserted { stack += upstream(u) }
        }
        return seen
    }

    static let headerLines = 8

    /// The flow file: one task `t` whose optional `xs` carries data edges; node k of the file is on line headerLines + 1 + k.
    var yaml: String {
        var lines = [
            "name: random-dag",
            "tasks:",
            "  t:",
            "    command: [echo]",
            "    inputs: {xs: {type: list<int>, default: []}}",
            "    outputs: {y: int}",
            "# vertices are written in a shuffled order",
            "nodes:",
        ]
        lines.reserveCapacity(count + Self.headerLines)
        for v in fileOrder {
            var line = "  - {id: \(Self.id(v)), task: t"
            if !dataUpstream[v].isEmpty {
                line += ", inputs: {xs: [\(dataUpstream[v].map { "\(Self.id($0)).y" }.joined(separator: ", "))]}"
            }
            if !afterUpstream[v].isEmpty {
                line += ", after: [\(afterUpstream[v].map(Self.id).joined(separator: ", "))]"
            }
            lines.append(line + "}")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

@Suite("Graph properties of random DAGs")
struct GraphPropertyTests {
    /// 50 graphs; the first is the largest allowed, the rest have random sizes up to it.
    static let cases: [RandomDAG] = {
        var rng = SplitMix64(seed: 0x5EED_F10E)
        return (0..<50).map { i in
            let size = i == 0 ? 2_000 : (i < 5 ? Int.random(in: 1...8, using: &rng) : Int.random(in: 1...2_000, using: &rng))
            return RandomDAG(seed: rng.next(), count: size)
        }
    }()

    @Test(arguments: cases)
    func compiledOrderRespectsEveryEdgeAndDepthIsTheLongestPath(_ dag: RandomDAG) throws {
        let r = FlowCompiler.compile(dag.yaml, file: "dag.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.prefix(5).map(\.description))")
        let w = try #require(r.flow?.workflow)
        #expect(w.nodes.count == dag.count)

        var position: [String: Int] = [:]
        for (k, n) in w.nodes.enumerated() { position[n.id] = k }
        #expect(position.count == dag.count, "node ids must be unique")
        let depths = dag.depths
        var mismatches: [String] = []
        for v in 0..<dag.count {
            let id = RandomDAG.id(v)
            guard let k = position[id] else { mismatches.append("\(id) is missing"); continue }
            let n = w.nodes[k]
            let expectedUp = dag.upstream(v).map(RandomDAG.id).sorted()
            if n.upstream.sorted() != expectedUp { mismatches.append("\(id) upstream \(n.upstream) != \(expectedUp)") }
            for u in n.upstream where (position[u] ?? Int.max) >= k {
                mismatches.append("\(id) at \(k) comes before its upstream \(u) at \(position[u] ?? -1)")
            }
            if n.depth != depths[v] { mismatches.append("\(id) depth \(n.depth) != \(depths[v])") }
            for d in n.downstream where !(w.nodes[position[d] ?? 0].upstream.contains(id)) {
                mismatches.append("\(id) lists downstream \(d), which does not list it upstream")
            }
            if mismatches.count > 10 { break }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10).joined(separator: "\n"))")
    }

    @Test(arguments: cases)
    func oneBackEdgeMakesACycleThatNamesBothEnds(_ dag: RandomDAG) throws {
        var rng = SplitMix64(seed: dag.seed ^ 0xC1C1E)
        // Pick a vertex with ancestors and make one of them wait for it; with no edges at all, a self-loop.
        let withAncestors = (0..<dag.count).filter { !dag.upstream($0).isEmpty }
        var cyclic = dag
        let from: Int, to: Int
        if let v = withAncestors.randomElement(using: &rng) {
            from = v
            to = dag.ancestors(of: v).randomElement(using: &rng)!
        } else {
            from = 0
            to = 0
        }
        cyclic.afterUpstream[to].append(from) // `to` now waits for `from`, which already depends on `to`.

        let r = FlowCompiler.compile(cyclic.yaml, file: "dag.yaml")
        #expect(r.flow == nil)
        let cycles = r.diagnostics.filter { $0.code == .cycle }
        #expect(cycles.count == 1, "\(r.diagnostics.prefix(5).map(\.description))")
        #expect(r.diagnostics.count == cycles.count, "only the cycle should be reported")
        let d = try #require(cycles.first)

        // "cycle: a -> b -> ... -> a; ..." — each arrow must be an edge (b waits for a) and the path must close.
        let body = try #require(d.message.split(separator: ";").first?.split(separator: ":", maxSplits: 1).last)
        let names = body.split(separator: "->").map { String($0.filter { $0 != " " }) }
        let vertices = names.compactMap { Int($0.dropFirst()) }
        #expect(vertices.count == names.count && names.allSatisfy { $0.hasPrefix("n") }, "\(d.message)")
        #expect(vertices.count >= 2 && vertices.first == vertices.last, "\(d.message)")
        for (a, b) in zip(vertices, vertices.dropFirst()) {
            #expect(cyclic.upstream(b).contains(a), "\(RandomDAG.id(a)) -> \(RandomDAG.id(b)) is not an edge: \(d.message)")
        }
        #expect(vertices.contains(from) && vertices.contains(to), "the cycle must contain n\(from) and n\(to): \(d.message)")

        // It is reported at the node that starts the cycle.
        let start = try #require(vertices.first)
        #expect(d.path == "nodes[\(cyclic.filePosition[start])]")
        #expect(d.line == RandomDAG.headerLines + 1 + cyclic.filePosition[start])
        #expect(d.column == 5)
    }
}
