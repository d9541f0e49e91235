/// How the host runtime stands in for mounts: container paths in `command`, `args` and literal `env`
/// values are rewritten to the host paths holding them.
///
/// A container path matches where it appears as a whole path or the start of one: at the start of the
/// text or after a character that cannot be part of a path, and followed by `/`, the end, or such a
/// character. The longest matching container path wins, and the text is rewritten in one pass (a host
/// path is never rewritten again). Paths the process builds at run time, reads from files or gets from
/// Secret and ConfigMap values are not rewritten.
struct ContainerPathMap: Sendable, Equatable {
    /// Container path -> host path, longest container path first.
    private(set) var entries: [(container: String, host: String)] = []

    init(_ pairs: [(container: String, host: String)] = []) {
        for pair in pairs { add(pair.container, pair.host) }
    }

    static func == (a: ContainerPathMap, b: ContainerPathMap) -> Bool {
        a.entries.map(\.container) == b.entries.map(\.container) && a.entries.map(\.host) == b.entries.map(\.host)
    }

    /// Maps `container` (and what lies below it) to `host`; the first mapping of a path is kept.
    mutating func add(_ container: String, _ host: String) {
        guard !container.isEmpty, !entries.contains(where: { $0.container == container }) else { return }
        entries.append((container, host))
        entries.sort { $0.container.count > $1.container.count }
    }

    /// Where the container's `path` is on the host, or nil when no mapping covers it.
    func host(for path: String) -> String? {
        for (container, host) in entries {
            if path == container { return host }
            if path.hasPrefix(container.hasSuffix("/") ? container : container + "/") {
                return host + "/" + path.dropFirst(container.count).drop { $0 == "/" }
            }
        }
        return nil
    }

    func rewrite(_ text: String) -> String {
        guard !entries.isEmpty, text.contains("/") else { return text }
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "/", i == 0 || !Self.pathCharacter(chars[i - 1]),
               let (container, host) = entries.first(where: { Self.matches($0.container, chars, at: i) }) {
                out += host
                i += container.count
                continue
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }

    static func matches(_ path: String, _ chars: [Character], at start: Int) -> Bool {
        let p = Array(path)
        guard start + p.count <= chars.count, Array(chars[start..<start + p.count]) == p else { return false }
        let end = start + p.count
        return end == chars.count || chars[end] == "/" || p.last == "/" || !pathCharacter(chars[end])
    }

    /// Letters, digits and `._-~+` continue a path component (`:` and `=` separate: `PATH=/a:/b`).
    static func pathCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || "._-~+".contains(c)
    }
}
