/// What a bearer token may do: `viewer` reads, `operator` also submits, aborts, retries,
/// approves and signals, `admin` also manages tokens and flows. Each role allows everything
/// the roles below it allow.
public enum TokenRole: String, CaseIterable, Comparable, Codable, Sendable {
    case viewer
    case `operator`
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: TokenRole, rhs: TokenRole) -> Bool { lhs.rank < rhs.rank }

    /// True if a token with this role may do what needs `required`.
    public func allows(_ required: TokenRole) -> Bool { self >= required }
}
