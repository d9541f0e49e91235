/// Rows of text in aligned columns, two spaces apart, the last column unpadded (`token list`, `config get-contexts`).
enum TextTable {
    static func lines(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { r in
            r.enumerated().map { c, text in c == r.count - 1 ? text : text.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
    }
}
