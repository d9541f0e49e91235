import SluiceModel

/// A path into a JSON value: `data.items[0].id`.
struct JSONField: Sendable, Hashable, CustomStringConvertible {
    enum Step: Sendable, Hashable { case key(String), index(Int) }

    var steps: [Step]
    let description: String

    init?(_ text: String) {
        description = text
        steps = []
        for segment in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(segment)
            let name = rest.prefix { $0 != "[" }
            guard !name.isEmpty || !steps.isEmpty else { return nil }
            if !name.isEmpty { steps.append(.key(String(name))) }
            rest = rest.dropFirst(name.count)
            while rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let i = Int(rest[rest.index(after: rest.startIndex)..<close]), i >= 0 else { return nil }
                steps.append(.index(i))
                rest = rest[rest.index(after: close)...]
            }
            guard rest.isEmpty, !(name.isEmpty && segment.first != "[") else { return nil }
        }
        if steps.isEmpty { return nil }
    }

    /// The value at this path in `value`, or nil when a step is not there.
    func value(in value: LiteralValue) -> LiteralValue? {
        var v = value
        for step in steps {
            switch (step, v) {
            case (.key(let k), .map(let m)):
                guard let next = m[k] else { return nil }
                v = next
            case (.index(let i), .list(let l)):
                guard i < l.count else { return nil }
                v = l[i]
            default:
                return nil
            }
        }
        return v
    }
}
