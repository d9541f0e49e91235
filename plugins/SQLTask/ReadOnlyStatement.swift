/// Whether a statement only reads, judged from its text: one statement whose first word is `select`, `values`,
/// or `with` over a query, with no `into`, `insert`, `update`, `delete` or `merge` outside comments, strings and
/// quoted names. A function a SELECT calls may still write (PostgreSQL's `nextval`); the text cannot tell.
enum ReadOnlyStatement {
    static func isReadOnly(_ text: String) -> Bool {
        let words = self.words(text)
        guard let first = words.first, ["select", "values", "with"].contains(first) else { return false }
        if words.contains(";") {
            // Only trailing semicolons: a second statement makes it a script.
            guard words.drop(while: { $0 != ";" }).allSatisfy({ $0 == ";" }) else { return false }
        }
        return !words.contains { ["into", "insert", "update", "delete", "merge", "copy"].contains($0) }
    }

    /// The statement's lowercased words and semicolons, without comments, string literals and quoted names.
    static func words(_ text: String) -> [String] {
        var out: [String] = []
        var word = ""
        let chars = Array(text.unicodeScalars)
        var i = 0
        func flush() {
            if !word.isEmpty { out.append(word.lowercased()) }
            word = ""
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "-", next == "-" {
                flush()
                while i < chars.count, chars[i] != "\n" { i += 1 }
            } else if c == "/", next == "*" {
                flush()
                i += 2
                while i + 1 < chars.count, !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                i += 2
            } else if c == "'" || c == "\"" || c == "`" {
                flush()
                i += 1
                while i < chars.count, chars[i] != c { i += 1 }
                i += 1
            } else if c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
                word.unicodeScalars.append(c)
                i += 1
            } else {
                flush()
                if c == ";" { out.append(";") }
                i += 1
            }
        }
        flush()
        return out
    }
}
