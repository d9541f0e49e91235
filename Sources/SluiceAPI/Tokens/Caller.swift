/// `GET /api/v1/whoami` (`Caller`): the name and role of the token a request is made with, so a client (the web
/// UI) can show who is signed in and offer only the controls that role may use.
public struct Caller: Codable, Sendable, Equatable {
    /// The token's name: who approvals, signals and aborts are recorded as.
    public var name: String
    /// `viewer`, `operator` or `admin`.
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }
}
