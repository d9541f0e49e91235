/// Makes run and node ids safe inside object and folder names.
public enum KubeName {
    /// The longest DNS-1123 label (a pod name is one).
    public static let maxLength = 63
    private static let hashLength = 8

    /// `sub/train[3]` -> `sub-train-3`, lowercase; every run of other characters becomes one `-`.
    public static func safe(_ id: String) -> String {
        var out = ""
        for c in id.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) || c == "-" { out.append(c) } else if out.last != "-" { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        while out.hasPrefix("-") { out.removeFirst() }
        return out
    }

    /// The external name of one attempt, `<run>-<node>-<attempt>` (`-revert` for a revert): deterministic, a valid
    /// DNS-1123 label, and unique within the run. A run or node id that had to be rewritten (`sub/a`, `m[3]`, uppercase) gets a
    /// short hash of the original, since `sub/a` and a node named `sub-a` would otherwise meet; a name longer than
    /// 63 characters is cut and ends with a hash of the whole.
    public static func attempt(runID: String, _ ref: AttemptRef) -> String {
        var run = safe(runID)
        // Run ids may hold upper case, `_` and `.` (`Nightly_1`): made safe they could meet another run's (`nightly-1`).
        if run != runID { run += (run.isEmpty ? "run-" : "-") + hash(runID) }
        var node = safe(ref.node)
        if node != ref.node { node += (node.isEmpty ? "" : "-") + hash(ref.node) }
        let tail = "-\(ref.attempt)" + (ref.purpose == .revert ? "-revert" : "")
        let full = "\(run)-\(node)\(tail)"
        if full.count <= maxLength { return full }
        var head = String("\(run)-\(node)".prefix(maxLength - tail.count - hashLength - 1))
        while head.hasSuffix("-") { head.removeLast() }
        return "\(head)-\(hash(full))\(tail)"
    }

    /// `id` as a Kubernetes label value (≤ 63 of `A-Za-z0-9-_.`, alphanumeric at both ends): unchanged when it
    /// already is one, else made safe and suffixed with a hash of the original, so `sub/a` and `sub-a` differ.
    /// Label values are for selecting; the exact id travels in an annotation.
    public static func labelValue(_ id: String) -> String {
        if isLabelValue(id) { return id }
        var head = String(safe(id).prefix(maxLength - hashLength - 1))
        while head.hasSuffix("-") { head.removeLast() }
        return head.isEmpty ? hash(id) : "\(head)-\(hash(id))"
    }

    private static func isLabelValue(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        let alnum = { (b: UInt8) in (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) }
        guard let first = bytes.first, let last = bytes.last, bytes.count <= maxLength, alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }

    private static func hash(_ text: String) -> String { String(SHA256.hex(text).prefix(hashLength)) }
}
