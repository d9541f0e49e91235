import CYaml

/// Builds a `SourceNode` tree straight from libyaml's events: positions for every value, duplicate keys
/// reported, anchors, aliases and `<<` merge keys resolved. (Yams' own composer resolves tags with regular
/// expressions, which made parsing a 100,000-node flow take over a second.)
struct YAMLComposer {
    struct Failure: Error {
        var location: Location
        /// The path of the mapping or list the failure is in (`tasks.t`); empty when unknown or at the top.
        var path: String = ""
        var message: String
    }

    private var parser = yaml_parser_t()
    /// Each anchored node with the number of values it stands for once its own aliases are expanded.
    private var anchors: [String: (node: SourceNode, size: Int)] = [:]
    private var depth = 0
    static let maxDepth = 256
    /// Values written in the file, and values seen once aliases are expanded. Aliases share subtrees here,
    /// but the decoder walks each use, so nested aliases ("billion laughs") must be bounded by what they expand to.
    private var ownValues = 0
    private var expandedValues = 0
    static let maxExpandedValues = 1_000_000
    /// The keys and indices leading to the value being read, for the path of a failure.
    private var trail: [PathPart] = []
    private enum PathPart { case key(String), index(Int) }

    /// Parses one YAML (or JSON) document; nil when the text holds no document.
    static func compose(_ text: String) -> Result<SourceNode?, Failure> {
        var copy = text
        return copy.withUTF8 { bytes in
            var composer = YAMLComposer()
            yaml_parser_initialize(&composer.parser)
            defer { yaml_parser_delete(&composer.parser) }
            yaml_parser_set_encoding(&composer.parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&composer.parser, bytes.baseAddress, bytes.count)
            do {
                return .success(try composer.document())
            } catch let f as Failure {
                return .failure(f)
            } catch {
                return .failure(Failure(location: Location(line: 1, column: 1), message: "\(error)"))
            }
        }
    }

    private mutating func document() throws -> SourceNode? {
        var event = try next()
        defer { yaml_event_delete(&event) }
        guard event.type == YAML_STREAM_START_EVENT else { return nil }
        var start = try next()
        defer { yaml_event_delete(&start) }
        if start.type == YAML_STREAM_END_EVENT { return nil }
        let root = try node(after: try next())
        var end = try next()
        yaml_event_delete(&end)
        var more = try next()
        defer { yaml_event_delete(&more) }
        if more.type == YAML_DOCUMENT_START_EVENT {
            throw Failure(location: Self.location(more.start_mark), message: "the file holds more than one YAML document; put one flow in each file")
        }
        return root
    }

    private mutating func next() throws -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(&parser, &event) == 1 else { throw parserFailure() }
        return event
    }

    private func parserFailure() -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        let location = Self.location(parser.problem_mark)
        if problem.hasPrefix("Maximum nesting level reached") {
            return Failure(location: location, message: Self.tooDeep)
        }
        var message = "YAML syntax error: \(problem)"
        if let context = parser.context {
            message += " (\(String(cString: context)) at line \(parser.context_mark.line + 1))"
        }
        // No path: libyaml reads ahead, so the value being composed may not be where the text went wrong.
        return Failure(location: location, message: message)
    }

    private static var tooDeep: String { "the document nests too deeply (more than \(maxDepth) levels)" }

    /// The path of the value being read, as diagnostics spell it (`nodes[2].inputs`).
    private var path: String {
        var out = ""
        for part in trail {
            switch part {
            case .key(let k): out = FlowDecoder.join(out, k)
            case .index(let i): out = FlowDecoder.index(out, i)
            }
        }
        return out
    }

    private static func location(_ mark: yaml_mark_t) -> Location {
        Location(line: mark.line + 1, column: mark.column + 1)
    }

    private static func string(_ p: UnsafePointer<UInt8>?, _ length: Int? = nil) -> String? {
        guard let p else { return nil }
        if let length { return String(decoding: UnsafeBufferPointer(start: p, count: length), as: UTF8.self) }
        return String(cString: p)
    }

    /// Reads the node that `event` starts, consuming events up to its end; frees `event`.
    private mutating func node(after event: yaml_event_t) throws -> SourceNode {
        var event = event
        defer { yaml_event_delete(&event) }
        let here = Self.location(event.start_mark)
        switch event.type {
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else { throw Failure(location: here, path: path, message: "unknown YAML alias '*\(name)'") }
            try expand(by: target.size, at: here)
            return target.node
        case YAML_SCALAR_EVENT:
            let start = counted()
            let s = event.data.scalar
            let text = Self.string(s.value, s.length) ?? ""
            let node = SourceNode.scalar(SourceScalar(text: text, quoted: s.style != YAML_PLAIN_SCALAR_STYLE, location: here))
            if let a = Self.string(s.anchor) { anchors[a] = (node, expandedValues - start) }
            return node
        case YAML_SEQUENCE_START_EVENT:
            let start = counted()
            let anchor = Self.string(event.data.sequence_start.anchor)
            let node = try sequence(at: here)
            if let a = anchor { anchors[a] = (node, expandedValues - start) }
            return node
        case YAML_MAPPING_START_EVENT:
            let start = counted()
            let anchor = Self.string(event.data.mapping_start.anchor)
            let node = try mapping(at: here)
            if let a = anchor { anchors[a] = (node, expandedValues - start) }
            return node
        default:
            throw Failure(location: here, path: path, message: "YAML syntax error: unexpected event")
        }
    }

    /// Counts one value written in the file; returns the expanded count before it.
    private mutating func counted() -> Int {
        ownValues += 1
        expandedValues += 1
        return expandedValues - 1
    }

    /// Counts an alias as the values it stands for, refusing a document that grows far past its own size.
    private mutating func expand(by size: Int, at here: Location) throws {
        expandedValues += size
        if expandedValues > Self.maxExpandedValues, expandedValues > 10 * ownValues {
            throw Failure(location: here, path: path,
                          message: "the document expands to too many values through YAML aliases (more than \(Self.maxExpandedValues), "
                              + "from \(ownValues) written; a \"billion laughs\" pattern); use fewer nested aliases")
        }
    }

    private mutating func enter(_ here: Location) throws {
        depth += 1
        // No path: it would be hundreds of segments long.
        if depth > Self.maxDepth { throw Failure(location: here, message: Self.tooDeep) }
    }

    private mutating func sequence(at here: Location) throws -> SourceNode {
        try enter(here)
        defer { depth -= 1 }
        var items: [SourceNode] = []
        while true {
            let event = try next()
            if event.type == YAML_SEQUENCE_END_EVENT {
                var e = event
                yaml_event_delete(&e)
                return .sequence(items, here)
            }
            trail.append(.index(items.count))
            items.append(try node(after: event))
            trail.removeLast()
        }
    }

    private mutating func mapping(at here: Location) throws -> SourceNode {
        try enter(here)
        defer { depth -= 1 }
        var entries: [(key: SourceScalar, value: SourceNode)] = []
        var seen: [String: Location] = [:]
        var merged: [(key: SourceScalar, value: SourceNode)] = []
        while true {
            let keyEvent = try next()
            if keyEvent.type == YAML_MAPPING_END_EVENT {
                var e = keyEvent
                yaml_event_delete(&e)
                break
            }
            let keyNode = try node(after: keyEvent)
            guard case .scalar(let key) = keyNode else {
                throw Failure(location: keyNode.location, path: path, message: "a mapping key must be plain text, not \(keyNode.kindDescription)")
            }
            trail.append(.key(key.text))
            let value = try node(after: try next())
            trail.removeLast()
            if key.text == "<<" && !key.quoted {
                merged += try mergeEntries(value)
                continue
            }
            if let first = seen[key.text] {
                throw Failure(location: key.location, path: path,
                              message: "duplicate key '\(key.text)' in one mapping (first at line \(first.line)); each key may appear once")
            }
            seen[key.text] = key.location
            entries.append((key, value))
        }
        // Keys written out win over merged ones, as in YAML's merge-key convention.
        for m in merged where seen[m.key.text] == nil {
            seen[m.key.text] = m.key.location
            entries.append(m)
        }
        return .mapping(entries, here)
    }

    private func mergeEntries(_ value: SourceNode) throws -> [(key: SourceScalar, value: SourceNode)] {
        switch value {
        case .mapping(let entries, _): return entries
        case .sequence(let items, _):
            return try items.flatMap { item -> [(key: SourceScalar, value: SourceNode)] in
                guard case .mapping(let entries, _) = item else {
                    throw Failure(location: item.location, path: path, message: "a merge key (<<) takes a mapping or a list of mappings")
                }
                return entries
            }
        default:
            throw Failure(location: value.location, path: path, message: "a merge key (<<) takes a mapping or a list of mappings")
        }
    }
}
