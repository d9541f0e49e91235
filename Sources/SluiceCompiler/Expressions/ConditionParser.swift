import SluiceModel

/// Parses the text of a `when:` condition into a `Condition`.
///
/// Precedence, loosest first: `or` < `and` < `not` < comparison (`== != < <= > >=`, non-associative) < primary.
/// `&&`, `||` and `!` are accepted as synonyms of `and`, `or` and `not`, because authors used to shell or
/// C-like languages type them by habit and they can mean nothing else here.
public struct ConditionParser: Sendable {
    /// How deeply parentheses, `not`s and lists may nest before the condition is rejected.
    ///
    /// Debug builds spend nearly 3 KB of stack per level and secondary threads on macOS get 512 KB, so the
    /// limit sits far above any real condition yet far below a stack overflow.
    public static let maxDepth = 64

    /// Parses `text`; `itemNames` are the names bound by an enclosing map (`as:`), which parse as `.item(name)` references.
    public static func parse(_ text: String, itemNames: Set<String> = []) throws(ConditionSyntaxError) -> Condition {
        var lexer = Lexer(text: text)
        let parser = Parser(text: text, tokens: try lexer.tokenize(), itemNames: itemNames)
        return try parser.parseWhole()
    }
}

/// A syntax error in a condition; `offset` is the 0-based character offset in the text where the problem starts.
public struct ConditionSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The whole condition text that failed to parse.
    public var text: String
    /// The 0-based character (not byte) offset where the problem starts; the text's length for its end.
    public var offset: Int
    /// One sentence saying what was expected and what was found.
    public var message: String

    /// Creates an error for `text` at `offset`.
    public init(text: String, offset: Int, message: String) {
        self.text = text
        self.offset = offset
        self.message = message
    }

    /// The message alone: callers know the file and line to put in front of it.
    public var description: String { message }
}

private extension Character {
    var isConditionDigit: Bool { ("0"..."9").contains(self) }
    /// Letters, digits, `_` and `-` may appear inside node ids and names (though `-` may not start one).
    var isConditionNameChar: Bool { isLetter || isConditionDigit || self == "_" || self == "-" }
}

// The helper types nest in ConditionParser so that their short names cannot clash with the rest of the module.
extension ConditionParser {
    // MARK: - Tokens

    // Kinds carry no payload so that the parser's checks stay trivial: debug builds give every enum temporary
    // its own stack slot, and the parser's frames repeat once per level of nesting.
    private enum TokenKind {
        /// `word` is a name or dotted path (`inputs.x`, `site`, `true`); `literal` keeps its value in `Token.value` and
        /// `compare` its operator in `Token.op`; `colon` exists only so that `{'k': v}` gets a message about maps.
        case word, literal, compare, and, or, not, open, close, openList, closeList, openMap, closeMap, comma, colon, end
    }

    private struct Token {
        var kind: TokenKind
        var value: LiteralValue = .none
        var op: ComparisonOperator = .equal
        var offset = 0
        var spelling = ""

        /// How the token reads inside a message; strings already carry their own quotes.
        var shown: String {
            switch (kind, value) {
            case (.end, _): "the end of the condition"
            case (.literal, .string): spelling
            default: "'\(spelling)'"
            }
        }
    }

    // MARK: - Lexer

    private struct Lexer {
        let text: String
        let chars: [Character]
        var i = 0

        init(text: String) {
            self.text = text
            self.chars = Array(text)
        }

        private static let punctuation: [Character: TokenKind] = [
            "(": .open, ")": .close, "[": .openList, "]": .closeList, "{": .openMap, "}": .closeMap, ",": .comma, ":": .colon,
        ]
        private static let escapes: [Character: Character] = ["'": "'", "\"": "\"", "\\": "\\", "n": "\n", "t": "\t"]

        mutating func tokenize() throws(ConditionSyntaxError) -> [Token] {
            var tokens: [Token] = []
            while i < chars.count {
                if chars[i].isWhitespace {
                    i += 1
                    continue
                }
                let start = i
                var token = try lexToken(chars[i])
                token.offset = start
                token.spelling = String(chars[start..<i])
                tokens.append(token)
            }
            tokens.append(Token(kind: .end, offset: chars.count))
            return tokens
        }

        private func peek(_ ahead: Int) -> Character? {
            i + ahead < chars.count ? chars[i + ahead] : nil
        }

        private func fail(_ offset: Int, _ message: String) -> ConditionSyntaxError {
            ConditionSyntaxError(text: text, offset: offset, message: message)
        }

        private func wordEnd(from start: Int) -> Int {
            var end = start
            while end < chars.count, chars[end].isConditionNameChar { end += 1 }
            return end
        }

        private mutating func lexToken(_ c: Character) throws(ConditionSyntaxError) -> Token {
            if let single = Self.punctuation[c] {
                i += 1
                return Token(kind: single)
            }
            switch c {
            case "=", "!", "<", ">", "&", "|": return try lexOperator(c)
            case "'", "\"": return Token(kind: .literal, value: .string(try lexString(quote: c)))
            case "-" where peek(1)?.isConditionDigit == true: return try lexNumber()
            case _ where c.isConditionDigit: return startsNodeID() ? try lexWord() : try lexNumber()
            case _ where c.isLetter || c == "_": return try lexWord()
            case "-":
                throw fail(i, "unexpected '-': there is no arithmetic in conditions, so '-' may only appear inside a name or directly before a number's digits")
            default:
                throw fail(i, "unexpected character '\(c)'")
            }
        }

        private mutating func lexOperator(_ c: Character) throws(ConditionSyntaxError) -> Token {
            let pair = peek(1).map { "\(c)\($0)" } ?? ""
            if let op = ComparisonOperator(rawValue: pair) {
                i += 2
                return Token(kind: .compare, op: op)
            }
            i += 1
            switch c {
            case "&" where pair == "&&": i += 1; return Token(kind: .and)
            case "|" where pair == "||": i += 1; return Token(kind: .or)
            case "<": return Token(kind: .compare, op: .less)
            case ">": return Token(kind: .compare, op: .greater)
            case "!": return Token(kind: .not)
            default:
                // A lone `=`, `&` or `|` is almost always a typo for its doubled form.
                throw fail(i - 1, "unexpected '\(c)': did you mean '\(c)\(c)'?")
            }
        }

        private mutating func lexString(quote: Character) throws(ConditionSyntaxError) -> String {
            let start = i
            var value = ""
            i += 1
            while i < chars.count, chars[i] != quote {
                guard chars[i] == "\\", let escaped = peek(1) else {
                    value.append(chars[i])
                    i += 1
                    continue
                }
                guard let decoded = Self.escapes[escaped] else {
                    throw fail(i, "unknown escape '\\\(escaped)' in a string; use \\', \\\", \\\\, \\n or \\t")
                }
                value.append(decoded)
                i += 2
            }
            guard i < chars.count else {
                throw fail(start, "unterminated string: the opening \(quote) has no closing \(quote)")
            }
            i += 1
            return value
        }

        /// Node ids may start with a digit (`2nd-pass.loss`); only a following `.NAME` tells one from a number.
        private func startsNodeID() -> Bool {
            let end = wordEnd(from: i)
            return chars[i..<end].contains { !$0.isConditionDigit } && end + 1 < chars.count && chars[end] == "."
                && chars[end + 1].isConditionNameChar && chars[end + 1] != "-"
        }

        private mutating func lexNumber() throws(ConditionSyntaxError) -> Token {
            let start = i
            if chars[i] == "-" { i += 1 }
            skipDigits()
            let hasFraction = peek(0) == "." && peek(1)?.isConditionDigit == true
            if hasFraction {
                i += 1
                skipDigits()
            }
            let signLength = peek(1) == "+" || peek(1) == "-" ? 1 : 0
            let hasExponent = (peek(0) == "e" || peek(0) == "E") && peek(1 + signLength)?.isConditionDigit == true
            if hasExponent {
                i += 1 + signLength
                skipDigits()
            }
            if let next = peek(0), next.isConditionNameChar {
                let word = String(chars[start..<wordEnd(from: i)])
                throw fail(start, "'\(word)' is not a number; write durations and other text in quotes, e.g. '\(word)'")
            }
            let spelling = String(chars[start..<i])
            if hasFraction || hasExponent {
                guard let value = Double(spelling), value.isFinite else { throw fail(start, "number '\(spelling)' is too large") }
                return Token(kind: .literal, value: .float(value))
            }
            guard let value = Int(spelling) else {
                throw fail(start, "integer '\(spelling)' does not fit in 64 bits (\(Int.min) to \(Int.max))")
            }
            return Token(kind: .literal, value: .int(value))
        }

        private mutating func skipDigits() {
            while i < chars.count, chars[i].isConditionDigit { i += 1 }
        }

        private mutating func lexWord() throws(ConditionSyntaxError) -> Token {
            let start = i
            i = wordEnd(from: i)
            while peek(0) == "." {
                guard let next = peek(1), next.isConditionNameChar, next != "-" else {
                    let found = peek(1).map { "'\($0)'" } ?? "the end of the condition"
                    throw fail(i + 1, "expected a name after '\(String(chars[start...i]))' but found \(found)")
                }
                i = wordEnd(from: i + 1)
            }
            switch String(chars[start..<i]) {
            case "and": return Token(kind: .and)
            case "or": return Token(kind: .or)
            case "not": return Token(kind: .not)
            default: return Token(kind: .word)
            }
        }
    }

    // MARK: - Parser

    // A class, not a struct: in debug builds every read of a mutating struct's property copies the whole struct into
    // the frame, and the recursive path (parseCondition, parseFactor, parseComparison, parseTerm, parseGroup) repeats
    // once per level of nesting. For the same reason that path leaves building messages and values to helpers.
    private final class Parser {
        let text: String
        let tokens: [Token]
        let itemNames: Set<String>
        var index = 0
        var depth = 0

        init(text: String, tokens: [Token], itemNames: Set<String>) {
            self.text = text
            self.tokens = tokens
            self.itemNames = itemNames
        }

        private static let literalWords: [String: LiteralValue] = [
            "true": .bool(true), "false": .bool(false), "null": .none, "none": .none,
        ]
        private static let keywords: Set<String> = ["true", "false", "null", "none", "and", "or", "not"]

        private var current: Token { tokens[index] }
        private var kind: TokenKind { tokens[index].kind }

        private func fail(_ offset: Int, _ message: String) -> ConditionSyntaxError {
            ConditionSyntaxError(text: text, offset: offset, message: message)
        }

        /// "expected X after 'Y' but found Z", pointing at what was found.
        private func expected(_ what: String) -> ConditionSyntaxError {
            let after = index > 0 ? " after '\(tokens[index - 1].spelling)'" : ""
            return fail(current.offset, "expected \(what)\(after) but found \(current.shown)")
        }

        /// Consumes the token that opens a level of nesting, rejecting it past `maxDepth`.
        private func enter() throws(ConditionSyntaxError) {
            depth += 1
            index += 1
            if depth > ConditionParser.maxDepth {
                throw fail(tokens[index - 1].offset, "the condition nests more than \(ConditionParser.maxDepth) levels deep; simplify it")
            }
        }

        func parseWhole() throws(ConditionSyntaxError) -> Condition {
            if kind == .end { throw fail(0, "the condition is empty: expected something like inputs.flag or a == b") }
            let condition = try parseCondition()
            guard kind == .end else { throw trailing() }
            return condition
        }

        private func trailing() -> ConditionSyntaxError {
            let prefix = "unexpected \(current.shown) after a complete condition"
            let lowered = current.spelling.lowercased()
            switch kind {
            case .close: return fail(current.offset, "\(prefix): there is no '(' for it to close")
            case .word where lowered == "and" || lowered == "or": return fail(current.offset, "\(prefix): did you mean '\(lowered)'?")
            default: return fail(current.offset, "\(prefix); join conditions with 'and' or 'or'")
            }
        }

        /// An `or` of `and`s of factors, gathered in one loop so each level of parentheses costs one frame, not two.
        private func parseCondition() throws(ConditionSyntaxError) -> Condition {
            var ors: [Condition] = []
            var ands: [Condition] = []
            while true {
                ands.append(try parseFactor())
                if kind == .and {
                    index += 1
                    continue
                }
                ors.append(ands.count == 1 ? ands[0] : .and(ands))
                ands = []
                guard kind == .or else { return ors.count == 1 ? ors[0] : .or(ors) }
                index += 1
            }
        }

        /// Any number of `not`s, then a comparison or a lone term; a loop keeps a run of `not`s off the stack.
        private func parseFactor() throws(ConditionSyntaxError) -> Condition {
            let outer = depth
            defer { depth = outer }
            while kind == .not { try enter() }
            let nots = depth - outer
            return negated(try parseComparison(), times: nots)
        }

        private func negated(_ condition: Condition, times: Int) -> Condition {
            (0..<times).reduce(condition) { inner, _ in .not(inner) }
        }

        private func parseComparison() throws(ConditionSyntaxError) -> Condition {
            let leftStart = index
            let left = try parseTerm(expecting: "a condition")
            guard kind == .compare else { return left }
            index += 1
            let lhs = try operand(left, at: leftStart)
            let rightStart = index
            return try comparison(lhs, try parseTerm(expecting: "a value"), at: rightStart)
        }

        private func comparison(_ lhs: Operand, _ right: Condition, at rightStart: Int) throws(ConditionSyntaxError) -> Condition {
            let rhs = try operand(right, at: rightStart)
            let op = tokens[rightStart - 1].op
            if kind == .compare {
                throw fail(current.offset, "comparisons cannot be chained: \(current.shown) follows '\(lhs) \(op.rawValue) \(rhs)'; join two comparisons with 'and'")
            }
            return .compare(lhs, op, rhs)
        }

        /// Only a single value, perhaps in parentheses, may stand on either side of a comparison.
        private func operand(_ side: Condition, at start: Int) throws(ConditionSyntaxError) -> Operand {
            guard case .value(let operand) = side else {
                throw fail(tokens[start].offset, "only single values can be compared, not a condition in parentheses")
            }
            return operand
        }

        /// A parenthesised condition, or a single value that a comparison may then take apart.
        private func parseTerm(expecting what: String) throws(ConditionSyntaxError) -> Condition {
            kind == .open ? try parseGroup() : .value(try parseOperand(expecting: what))
        }

        private func parseOperand(expecting what: String) throws(ConditionSyntaxError) -> Operand {
            guard kind == .word, Self.literalWords[current.spelling] == nil else { return .literal(try parseLiteral(expecting: what)) }
            index += 1
            return .reference(try reference(tokens[index - 1]))
        }

        private func parseGroup() throws(ConditionSyntaxError) -> Condition {
            let open = index
            try enter()
            defer { depth -= 1 }
            let inner = try parseCondition()
            guard kind == .close else { throw unclosed("')' to close the '('", open) }
            index += 1
            return inner
        }

        /// Names the opening bracket by offset, since the two may be far apart.
        private func unclosed(_ what: String, _ open: Int) -> ConditionSyntaxError {
            fail(current.offset, "expected \(what) at offset \(tokens[open].offset) but found \(current.shown)")
        }

        /// Lists recurse through here, so it only dispatches; the work happens in `parseScalar`.
        private func parseLiteral(expecting what: String) throws(ConditionSyntaxError) -> LiteralValue {
            kind == .openList ? try parseList() : try parseScalar(expecting: what)
        }

        private func parseScalar(expecting what: String) throws(ConditionSyntaxError) -> LiteralValue {
            let token = current
            switch token.kind {
            case .literal:
                index += 1
                return token.value
            case .word:
                guard let value = Self.literalWords[token.spelling] else {
                    // Only list items get here with a name: lists are data, so they hold no references.
                    throw fail(token.offset, "a list in a condition may hold only literals, but '\(token.spelling)' is a name; quote text as '\(token.spelling)'")
                }
                index += 1
                return value
            case .openMap:
                index += 1
                guard kind == .closeMap else {
                    throw fail(current.offset, "expected '}' but found \(current.shown): only the empty map '{}' can be written in a condition")
                }
                index += 1
                return .map([:])
            default:
                throw expected(what)
            }
        }

        private func parseList() throws(ConditionSyntaxError) -> LiteralValue {
            let open = index
            try enter()
            defer { depth -= 1 }
            var items: [LiteralValue] = []
            while kind != .closeList {
                if !items.isEmpty {
                    guard kind == .comma else { throw unclosed("',' or ']' in the list that starts", open) }
                    index += 1
                }
                items.append(try parseLiteral(expecting: "a value"))
            }
            index += 1
            return .list(items)
        }

        private func reference(_ token: Token) throws(ConditionSyntaxError) -> Reference {
            let (word, offset) = (token.spelling, token.offset)
            let parts = word.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 1 where itemNames.contains(word):
                return .item(word)
            case 1:
                throw unknownName(word, at: offset)
            case 2:
                let (head, name) = (parts[0], parts[1])
                if head == "inputs" { return .input(name) }
                if head == "error" { return .failure(name) }
                // `site.x` for a map item would otherwise quietly become a reference to a node named `site`.
                if itemNames.contains(head) {
                    throw fail(offset + head.count, "'\(head)' is a map item, which has no fields to read; refer to it as '\(head)'")
                }
                return .output(node: head, name: name)
            default:
                let secondDot = offset + parts[0].count + 1 + parts[1].count
                throw fail(secondDot, "'\(word)' has too many parts: a reference is inputs.NAME, error.FIELD or NODE.OUTPUT")
            }
        }

        private func unknownName(_ word: String, at offset: Int) -> ConditionSyntaxError {
            if Self.keywords.contains(word.lowercased()) {
                return fail(offset, "unknown name '\(word)': did you mean '\(word.lowercased())'? keywords are lowercase")
            }
            let items = itemNames.isEmpty ? "none is in scope" : itemNames.sorted().joined(separator: ", ")
            return fail(offset, "unknown name '\(word)': expected inputs.NAME, NODE.OUTPUT, a map item (\(items)) or a literal; quote text as '\(word)'")
        }
    }
}
