import SluiceCompiler
import SluiceModel
import Testing

@Suite("ConditionParser")
struct ConditionParserTests {
    /// A condition that parses.
    struct ParseCase: Sendable, CustomTestStringConvertible {
        var text: String
        var expected: Condition
        var items: Set<String> = []
        /// `LiteralValue.description` does not escape quotes or backslashes, so such strings cannot round-trip.
        var roundTrips = true
        var testDescription: String { text }
    }

    /// A condition that fails at `offset` with a message containing `fragment`.
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var text: String
        var offset: Int
        var fragment: String
        var items: Set<String> = []
        var testDescription: String { text }
    }

    @Test("parses", arguments: parseCases)
    func parses(_ c: ParseCase) throws {
        #expect(try ConditionParser.parse(c.text, itemNames: c.items) == c.expected)
    }

    @Test("round-trips through description", arguments: parseCases.filter(\.roundTrips))
    func roundTrips(_ c: ParseCase) throws {
        #expect(try ConditionParser.parse(c.expected.description, itemNames: c.items) == c.expected)
    }

    @Test("reports errors", arguments: errorCases)
    func reportsErrors(_ c: ErrorCase) {
        guard let error = Self.failure(c.text, items: c.items) else { return }
        #expect(error.offset == c.offset, "\(error.message)")
        #expect(error.message.contains(c.fragment), "\(error.message)")
        #expect(error.text == c.text)
        #expect(error.description == error.message)
    }

    @Test("offsets count characters, not bytes")
    func offsetsCountCharacters() {
        #expect(Self.failure("inputs.s == 'é👍' =")?.offset == 17)
    }

    @Test("a long chain flattens without recursion")
    func longChain() throws {
        let text = Array(repeating: "inputs.a", count: 5_000).joined(separator: " and ")
        #expect(try ConditionParser.parse(text) == .and(Array(repeating: Self.a, count: 5_000)))
    }

    @Test("nesting up to the limit parses")
    func nestingAtLimit() throws {
        let depth = ConditionParser.maxDepth
        let parens = String(repeating: "(", count: depth) + "inputs.a" + String(repeating: ")", count: depth)
        #expect(try ConditionParser.parse(parens) == Self.a)
        let nots = String(repeating: "not ", count: depth) + "inputs.a"
        #expect(try ConditionParser.parse(nots) == (0..<depth).reduce(Self.a) { inner, _ in .not(inner) })
        let lists = "inputs.x == " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try ConditionParser.parse(lists) }
    }

    @Test("deep nesting is reported, not a crash",
          arguments: [("", "("), ("", "not "), ("", "!"), ("", "["), ("inputs.x == ", "["), ("(not ", "(")])
    func deepNesting(_ prefix: String, _ opener: String) {
        let error = Self.failure(prefix + String(repeating: opener, count: 10_000))
        #expect(error?.message.contains("nests more than \(ConditionParser.maxDepth) levels") == true, "\(String(describing: error))")
    }

    @Test("a too-deep nesting is reported at the first opener past the limit")
    func deepNestingOffset() {
        #expect(Self.failure(String(repeating: "(", count: 10_000))?.offset == ConditionParser.maxDepth)
        #expect(Self.failure(String(repeating: "!", count: 10_000))?.offset == ConditionParser.maxDepth)
    }

    @Test("random input parses or throws ConditionSyntaxError, never crashes")
    func randomInput() throws {
        let alphabet = Array(" ()!=<>&|'\"abc._-019[]{},")
        let items: Set<String> = ["a", "b"]
        var rng = SeededGenerator(seed: 0x5111CE)
        var parsed = 0
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...24, using: &rng)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
            switch Result(catching: { () throws(ConditionSyntaxError) in try ConditionParser.parse(text, itemNames: items) }) {
            case .success(let condition):
                parsed += 1
                if Self.rendersFaithfully(condition) {
                    #expect(try ConditionParser.parse(condition.description, itemNames: items) == condition, "\(text)")
                }
            case .failure(let error):
                #expect((0...text.count).contains(error.offset), "\(text): \(error.message)")
                #expect(!error.message.isEmpty && error.text == text)
            }
        }
        #expect(parsed > 0)
    }
}

// MARK: - Tables

extension ConditionParserTests {
    static func input(_ name: String) -> Operand { .reference(.input(name)) }
    static func output(_ node: String, _ name: String) -> Operand { .reference(.output(node: node, name: name)) }
    static func item(_ name: String) -> Operand { .reference(.item(name)) }
    static func lit(_ value: LiteralValue) -> Operand { .literal(value) }
    static func flag(_ name: String) -> Condition { .value(input(name)) }

    static let a = flag("a"), b = flag("b"), c = flag("c")

    static let parseCases: [ParseCase] = [
        // Each operator.
        .init(text: "inputs.x == 1", expected: .compare(input("x"), .equal, lit(.int(1)))),
        .init(text: "inputs.x != 1", expected: .compare(input("x"), .notEqual, lit(.int(1)))),
        .init(text: "inputs.x < 1", expected: .compare(input("x"), .less, lit(.int(1)))),
        .init(text: "inputs.x <= 1", expected: .compare(input("x"), .lessOrEqual, lit(.int(1)))),
        .init(text: "inputs.x > 1", expected: .compare(input("x"), .greater, lit(.int(1)))),
        .init(text: "inputs.x >= 1", expected: .compare(input("x"), .greaterOrEqual, lit(.int(1)))),
        .init(text: "inputs.x>=1", expected: .compare(input("x"), .greaterOrEqual, lit(.int(1)))),
        .init(text: "inputs.a and inputs.b", expected: .and([a, b])),
        .init(text: "inputs.a or inputs.b", expected: .or([a, b])),
        .init(text: "not inputs.a", expected: .not(a)),
        .init(text: "inputs.a && inputs.b", expected: .and([a, b])),
        .init(text: "inputs.a || inputs.b", expected: .or([a, b])),
        .init(text: "!inputs.a", expected: .not(a)),
        .init(text: "!!inputs.a", expected: .not(.not(a))),
        .init(text: "not(inputs.a)", expected: .not(a)),
        .init(text: "!inputs.x != 1", expected: .not(.compare(input("x"), .notEqual, lit(.int(1))))),
        .init(text: "inputs.x==-1", expected: .compare(input("x"), .equal, lit(.int(-1)))),
        // Precedence and flattening.
        .init(text: "inputs.a or inputs.b and inputs.c", expected: .or([a, .and([b, c])])),
        .init(text: "inputs.a and inputs.b or inputs.c", expected: .or([.and([a, b]), c])),
        .init(text: "inputs.a and inputs.b and inputs.c", expected: .and([a, b, c])),
        .init(text: "inputs.a || inputs.b or inputs.c", expected: .or([a, b, c])),
        .init(text: "not inputs.a and inputs.b", expected: .and([.not(a), b])),
        .init(text: "not inputs.a or inputs.b", expected: .or([.not(a), b])),
        .init(text: "not inputs.x == 1", expected: .not(.compare(input("x"), .equal, lit(.int(1))))),
        .init(text: "inputs.x == 1 and inputs.y != 'a'",
              expected: .and([.compare(input("x"), .equal, lit(.int(1))), .compare(input("y"), .notEqual, lit(.string("a")))])),
        // Parentheses.
        .init(text: "(inputs.a or inputs.b) and inputs.c", expected: .and([.or([a, b]), c])),
        .init(text: "not (inputs.a or inputs.b)", expected: .not(.or([a, b]))),
        .init(text: "((inputs.a))", expected: a),
        .init(text: "(inputs.a and inputs.b) and inputs.c", expected: .and([.and([a, b]), c])),
        .init(text: "(inputs.x) == (1)", expected: .compare(input("x"), .equal, lit(.int(1)))),
        .init(text: "inputs.epochs >= 10 and not (train.loss > 0.5 or inputs.force)",
              expected: .and([.compare(input("epochs"), .greaterOrEqual, lit(.int(10))),
                              .not(.or([.compare(output("train", "loss"), .greater, lit(.float(0.5))), flag("force")]))])),
        // Literals.
        .init(text: "inputs.x == 42", expected: .compare(input("x"), .equal, lit(.int(42)))),
        .init(text: "inputs.x == -3", expected: .compare(input("x"), .equal, lit(.int(-3)))),
        .init(text: "inputs.x == 0.5", expected: .compare(input("x"), .equal, lit(.float(0.5)))),
        .init(text: "inputs.x > 1e-3", expected: .compare(input("x"), .greater, lit(.float(0.001)))),
        .init(text: "inputs.x < 2.5E+2", expected: .compare(input("x"), .less, lit(.float(250)))),
        .init(text: "inputs.x == -1.5", expected: .compare(input("x"), .equal, lit(.float(-1.5)))),
        .init(text: "inputs.x == 9223372036854775807", expected: .compare(input("x"), .equal, lit(.int(Int.max)))),
        .init(text: "inputs.x == -9223372036854775808", expected: .compare(input("x"), .equal, lit(.int(Int.min)))),
        .init(text: "inputs.s == 'hi world'", expected: .compare(input("s"), .equal, lit(.string("hi world")))),
        .init(text: "inputs.s == \"it's\"", expected: .compare(input("s"), .equal, lit(.string("it's")))),
        .init(text: "inputs.s == ''", expected: .compare(input("s"), .equal, lit(.string("")))),
        .init(text: "inputs.s == 'a\\nb\\tc'", expected: .compare(input("s"), .equal, lit(.string("a\nb\tc")))),
        .init(text: "inputs.s == 'it\\'s \\\"x\\\" \\\\'", expected: .compare(input("s"), .equal, lit(.string("it's \"x\" \\"))),
              roundTrips: false),
        .init(text: "inputs.t == '30s'", expected: .compare(input("t"), .equal, lit(.string("30s")))),
        .init(text: "true", expected: .value(lit(.bool(true)))),
        .init(text: "inputs.b == false", expected: .compare(input("b"), .equal, lit(.bool(false)))),
        .init(text: "inputs.n == null", expected: .compare(input("n"), .equal, lit(.none))),
        .init(text: "inputs.n != none", expected: .compare(input("n"), .notEqual, lit(.none))),
        .init(text: "inputs.sizes != []", expected: .compare(input("sizes"), .notEqual, lit(.list([])))),
        .init(text: "inputs.l == [1, 2, 'a']",
              expected: .compare(input("l"), .equal, lit(.list([.int(1), .int(2), .string("a")])))),
        .init(text: "inputs.l == [[1], [], true, null, 0.5, {}]",
              expected: .compare(input("l"), .equal, lit(.list([.list([.int(1)]), .list([]), .bool(true), .none, .float(0.5), .map([:])])))),
        .init(text: "inputs.m == {}", expected: .compare(input("m"), .equal, lit(.map([:])))),
        .init(text: "inputs.m == { }", expected: .compare(input("m"), .equal, lit(.map([:])))),
        // References.
        .init(text: "greet.message == 'hi world' and inputs.sizes != []",
              expected: .and([.compare(output("greet", "message"), .equal, lit(.string("hi world"))),
                              .compare(input("sizes"), .notEqual, lit(.list([])))])),
        .init(text: "error.message != ''", expected: .compare(.reference(.failure("message")), .notEqual, lit(.string("")))),
        .init(text: "error.node", expected: .value(.reference(.failure("node")))),
        .init(text: "fetch-data.row_count > 0", expected: .compare(output("fetch-data", "row_count"), .greater, lit(.int(0)))),
        .init(text: "_n1.out-2", expected: .value(output("_n1", "out-2"))),
        .init(text: "fetch-2.rows-1 != 0", expected: .compare(output("fetch-2", "rows-1"), .notEqual, lit(.int(0)))),
        .init(text: "step.0", expected: .value(output("step", "0"))),
        .init(text: "2nd-pass.loss < 1", expected: .compare(output("2nd-pass", "loss"), .less, lit(.int(1)))),
        .init(text: "site == 'eu'", expected: .compare(item("site"), .equal, lit(.string("eu"))), items: ["site"]),
        .init(text: "shard", expected: .value(item("shard")), items: ["shard", "site"]),
        .init(text: "inputs.x == site", expected: .compare(input("x"), .equal, item("site")), items: ["site"]),
        .init(text: "  inputs.a\n  and inputs.b\t", expected: .and([a, b])),
        .init(text: "not not inputs.a", expected: .not(.not(a))),
    ]

    static let errorCases: [ErrorCase] = [
        .init(text: "", offset: 0, fragment: "empty"),
        .init(text: "   ", offset: 0, fragment: "empty"),
        .init(text: "inputs.x ==", offset: 11, fragment: "expected a value after '==' but found the end of the condition"),
        .init(text: "inputs.a and", offset: 12, fragment: "expected a condition after 'and' but found the end"),
        .init(text: "inputs.a or )", offset: 12, fragment: "expected a condition after 'or' but found ')'"),
        .init(text: "not", offset: 3, fragment: "after 'not'"),
        .init(text: "()", offset: 1, fragment: "expected a condition after '(' but found ')'"),
        .init(text: "inputs.x == not inputs.y", offset: 12, fragment: "expected a value after '==' but found 'not'"),
        .init(text: "== 1", offset: 0, fragment: "expected a condition but found '=='"),
        .init(text: "(inputs.a", offset: 9, fragment: "expected ')' to close the '(' at offset 0 but found the end"),
        .init(text: "(inputs.a inputs.b)", offset: 10, fragment: "expected ')'"),
        .init(text: "inputs.a)", offset: 8, fragment: "unexpected ')' after a complete condition"),
        .init(text: "inputs.a inputs.b", offset: 9, fragment: "unexpected 'inputs.b' after a complete condition"),
        .init(text: "inputs.a AND inputs.b", offset: 9, fragment: "did you mean 'and'?"),
        .init(text: "inputs.x = 1", offset: 9, fragment: "did you mean '=='?"),
        .init(text: "inputs.a & inputs.b", offset: 9, fragment: "did you mean '&&'?"),
        .init(text: "inputs.a | inputs.b", offset: 9, fragment: "did you mean '||'?"),
        .init(text: "inputs.x == 'abc", offset: 12, fragment: "unterminated string"),
        .init(text: "inputs.x == \"ab\\\"", offset: 12, fragment: "unterminated string"),
        .init(text: "inputs.x == 'a\\", offset: 12, fragment: "unterminated string"),
        .init(text: "inputs.x == 'a\\qb'", offset: 14, fragment: "unknown escape '\\q'"),
        .init(text: "inputs.x == #", offset: 12, fragment: "unexpected character '#'"),
        .init(text: "inputs.x == .5", offset: 12, fragment: "unexpected character '.'"),
        .init(text: "inputs.x - 1 > 0", offset: 9, fragment: "no arithmetic"),
        .init(text: "inputs.x == -y", offset: 12, fragment: "no arithmetic"),
        .init(text: "inputs.x < 1 < 2", offset: 13, fragment: "comparisons cannot be chained"),
        .init(text: "inputs.x == 1 == true", offset: 14, fragment: "cannot be chained"),
        .init(text: "(inputs.a and inputs.b) == true", offset: 0, fragment: "only single values can be compared"),
        .init(text: "inputs.x == (inputs.a or inputs.b)", offset: 12, fragment: "not a condition in parentheses"),
        .init(text: "hello", offset: 0,
              fragment: "unknown name 'hello': expected inputs.NAME, NODE.OUTPUT, a map item (none is in scope) or a literal; quote text as 'hello'"),
        .init(text: "inputs.x == hi", offset: 12, fragment: "a map item (site) or a literal; quote text as 'hi'", items: ["site"]),
        .init(text: "True", offset: 0, fragment: "did you mean 'true'?"),
        .init(text: "site.name == 1", offset: 4, fragment: "'site' is a map item", items: ["site"]),
        .init(text: "a.b.c", offset: 3, fragment: "too many parts"),
        .init(text: "inputs.", offset: 7, fragment: "expected a name after 'inputs.' but found the end of the condition"),
        .init(text: "greet.-x", offset: 6, fragment: "expected a name after 'greet.' but found '-'"),
        .init(text: "inputs.t > 10s", offset: 11, fragment: "'10s' is not a number"),
        .init(text: "inputs.x == 1e", offset: 12, fragment: "'1e' is not a number"),
        .init(text: "inputs.x == 9223372036854775808", offset: 12, fragment: "does not fit in 64 bits"),
        .init(text: "inputs.x == -99999999999999999999999", offset: 12, fragment: "does not fit in 64 bits"),
        .init(text: "inputs.x == 1e999", offset: 12, fragment: "too large"),
        .init(text: "inputs.l == [1, 2", offset: 17, fragment: "expected ',' or ']' in the list that starts at offset 12 but found the end"),
        .init(text: "inputs.l == [1 2]", offset: 15, fragment: "expected ',' or ']' in the list that starts at offset 12"),
        .init(text: "inputs.l == [1,]", offset: 15, fragment: "expected a value after ',' but found ']'"),
        .init(text: "inputs.l == [inputs.x]", offset: 13, fragment: "may hold only literals"),
        .init(text: "inputs.m == {'a': 1}", offset: 13, fragment: "only the empty map '{}'"),
        .init(text: "inputs.x == 'a' 'b'", offset: 16, fragment: "unexpected 'b' after a complete condition"),
    ]
}

// MARK: - Support

extension ConditionParserTests {
    /// The error `text` fails with; records an issue and returns nil when it parses instead.
    static func failure(_ text: String, items: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation) -> ConditionSyntaxError? {
        do {
            let parsed = try ConditionParser.parse(text, itemNames: items)
            Issue.record("expected an error, parsed \(parsed)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// Whether `description` can be parsed back: it does not escape quotes or backslashes inside strings.
    static func rendersFaithfully(_ condition: Condition) -> Bool {
        func literalOK(_ value: LiteralValue) -> Bool {
            switch value {
            case .string(let s): !s.contains("\"") && !s.contains("\\")
            case .list(let items): items.allSatisfy(literalOK)
            default: true
            }
        }
        func operandOK(_ operand: Operand) -> Bool {
            if case .literal(let value) = operand { return literalOK(value) }
            return true
        }
        switch condition {
        case .compare(let l, _, let r): return operandOK(l) && operandOK(r)
        case .and(let cs), .or(let cs): return cs.allSatisfy(rendersFaithfully)
        case .not(let c): return rendersFaithfully(c)
        case .value(let o): return operandOK(o)
        }
    }

    /// A seeded generator so a failing random case can be reproduced.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
