/// Orders a graph of `count` vertices given as upstream lists; finds cycles when there is no order.
struct Graph {
    let count: Int
    /// upstream[v]: the vertices v depends on, each once.
    let upstream: [[Int]]
    let downstream: [[Int]]

    init(upstream: [[Int]]) {
        self.count = upstream.count
        self.upstream = upstream
        var down = [[Int]](repeating: [], count: upstream.count)
        for (v, ups) in upstream.enumerated() {
            for u in ups { down[u].append(v) }
        }
        self.downstream = down
    }

    /// A topological order that keeps file order among vertices that are ready together, or nil on a cycle.
    func topologicalOrder() -> [Int]? {
        var indegree = upstream.map(\.count)
        var heap = MinHeap()
        for v in 0..<count where indegree[v] == 0 { heap.push(v) }
        var order: [Int] = []
        order.reserveCapacity(count)
        while let v = heap.pop() {
            order.append(v)
            for d in downstream[v] {
                indegree[d] -= 1
                if indegree[d] == 0 { heap.push(d) }
            }
        }
        return order.count == count ? order : nil
    }

    /// Longest distance from a root for each vertex, following `order`.
    func depths(order: [Int]) -> [Int] {
        var depth = [Int](repeating: 0, count: count)
        for v in order {
            for u in upstream[v] { depth[v] = max(depth[v], depth[u] + 1) }
        }
        return depth
    }

    /// One cycle per strongly connected component that has one, each as vertices in edge order starting at its smallest.
    func cycles() -> [[Int]] {
        var result: [[Int]] = []
        for component in stronglyConnectedComponents() {
            let members = Set(component)
            if component.count == 1, !upstream[component[0]].contains(component[0]) { continue }
            result.append(cycle(within: members, from: component.min()!))
        }
        return result.sorted { $0[0] < $1[0] }
    }

    /// A path `start -> ... -> start` inside one component, found by breadth-first search (so it is short).
    private func cycle(within members: Set<Int>, from start: Int) -> [Int] {
        var parent: [Int: Int] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let v = queue[head]
            head += 1
            for d in downstream[v].sorted() where members.contains(d) {
                if d == start {
                    var path = [v]
                    var cur = v
                    while cur != start, let p = parent[cur] { path.append(p); cur = p }
                    return Array(path.reversed())
                }
                if parent[d] == nil, d != start {
                    parent[d] = v
                    queue.append(d)
                }
            }
        }
        return [start]
    }

    /// Tarjan's algorithm without recursion (graphs here may be 100,000 vertices deep).
    private func stronglyConnectedComponents() -> [[Int]] {
        var index = [Int](repeating: -1, count: count)
        var low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        var next = 0
        for root in 0..<count where index[root] < 0 {
            var work: [(v: Int, edge: Int)] = [(root, 0)]
            index[root] = next; low[root] = next; next += 1
            stack.append(root); onStack[root] = true
            while let (v, e) = work.last {
                if e < downstream[v].count {
                    work[work.count - 1].edge += 1
                    let w = downstream[v][e]
                    if index[w] < 0 {
                        index[w] = next; low[w] = next; next += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last { low[parent.v] = min(low[parent.v], low[v]) }
                if low[v] == index[v] {
                    var component: [Int] = []
                    while let w = stack.popLast() {
                        onStack[w] = false
                        component.append(w)
                        if w == v { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }
}

/// A binary min-heap of vertex numbers.
struct MinHeap {
    private var items: [Int] = []

    mutating func push(_ x: Int) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if items[p] <= items[i] { break }
            items.swapAt(p, i)
            i = p
        }
    }

    mutating func pop() -> Int? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
