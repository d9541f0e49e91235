/// Prometheus text exposition format (version 0.0.4), written by hand: `# HELP`, `# TYPE`, then samples.
struct Exposition {
    private(set) var text = ""

    mutating func gauge(_ name: String, help: String, samples: [(labels: [(String, String)], value: Double)]) {
        header(name, help: help, type: "gauge")
        for s in samples { sample(name, s.labels, s.value) }
    }

    mutating func counter(_ name: String, help: String, samples: [(labels: [(String, String)], value: Double)]) {
        header(name, help: help, type: "counter")
        for s in samples { sample(name, s.labels, s.value) }
    }

    mutating func histogram(_ name: String, help: String, _ h: Histogram) {
        header(name, help: help, type: "histogram")
        for (bound, count) in zip(h.bounds, h.counts) { sample(name + "_bucket", [("le", Self.number(bound))], Double(count)) }
        sample(name + "_bucket", [("le", "+Inf")], Double(h.count))
        sample(name + "_sum", [], h.sum)
        sample(name + "_count", [], Double(h.count))
    }

    private mutating func header(_ name: String, help: String, type: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        let rendered = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        text += "\(name)\(rendered) \(Self.number(value))\n"
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
