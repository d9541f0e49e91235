/// File names made from ids (runs, nodes): one path component each, the same wherever a folder is made or found.
public enum PathComponent {
    /// One path component for an id: letters, digits, `_ . -` stay; `/` becomes `+`, `[` `(`,
    /// `]` `)`; any other byte becomes `%XX`. Distinct ids give distinct names, so
    /// `each[3]` is `each(3)` and `sub/greet` is `sub+greet`; a valid run id is its own name.
    public static func safe(_ id: String) -> String {
        var name = ""
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                name.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "."):
                name += name.isEmpty ? "%2E" : "."  // never `.`, `..` or a hidden file
            case UInt8(ascii: "/"): name += "+"
            case UInt8(ascii: "["): name += "("
            case UInt8(ascii: "]"): name += ")"
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                name += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return name.isEmpty ? "%" : name
    }
}
