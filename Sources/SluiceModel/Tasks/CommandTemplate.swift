/// `{{inputs.NAME}}` placeholders in command lines, with filters that quote a value for the language it lands
/// in: `{{inputs.NAME | shell}}` is one single-quoted sh word, `{{inputs.NAME | json}}` a JSON literal (a valid
/// string, number or list in Python, JavaScript and JSON). Without a filter the text goes in as it is: safe as a
/// whole argv element (never re-split), unsafe inside `sh -c` or `python -c` source, where the compiler warns.
public enum CommandTemplate {
    public enum Filter: String, Sendable, CaseIterable {
        case shell, json
    }

    /// A placeholder's name and the filter text after `|`, if any (both trimmed).
    public static func split(_ inner: String) -> (name: String, filter: String?) {
        guard let bar = inner.firstIndex(of: "|") else { return (inner.trimmed, nil) }
        return (String(inner[..<bar]).trimmed, String(inner[inner.index(after: bar)...]).trimmed)
    }

    /// The text of a quoted literal placeholder, `{{ '{{' }}` → `{{`: how a command writes `{{` that is not a
    /// placeholder (a Go or Jinja template, say). Nil when `inner` is not one quoted string.
    public static func literal(_ inner: String) -> String? {
        let t = inner.trimmed
        guard t.count >= 2, let q = t.first, q == "'" || q == "\"", t.last == q else { return nil }
        let body = t.dropFirst().dropLast()
        return body.contains(q) ? nil : String(body)
    }

    /// `text` as one sh word: single-quoted, with each `'` written as `'\''`.
    public static func shellQuote(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "'\\''") + "'"
    }

    /// Interpreters whose next argument after `flag` is source code: a placeholder there is code, not data.
    static let scriptFlags: [String: Set<String>] = [
        "sh": ["-c"], "bash": ["-c"], "dash": ["-c"], "zsh": ["-c"], "ash": ["-c"], "ksh": ["-c"], "busybox": ["-c"],
        "python": ["-c"], "python3": ["-c"], "node": ["-e", "--eval", "-p"], "perl": ["-e", "-E"], "ruby": ["-e"],
    ]

    /// When `argv[index]` is the source text of an interpreter (`sh -c TEXT`, `python3 -c TEXT`), that
    /// interpreter's name; nil for an ordinary argument.
    public static func interpreter(of argv: [String], at index: Int) -> String? {
        guard index >= 2, index < argv.count else { return nil }
        var program = Substring(argv[0].split(separator: "/").last ?? "")
        if program.hasPrefix("python3.") { program = "python3" }
        if program == "busybox", argv.count > 1 { program = Substring(argv[1]) }
        guard let flags = scriptFlags[String(program)], flags.contains(argv[index - 1]) else { return nil }
        return String(program)
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
