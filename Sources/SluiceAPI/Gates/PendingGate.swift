/// An approve or signal gate waiting now (`PendingGate`).
public struct PendingGate: Sendable, Codable, Equatable {
    public var node: String
    /// `approve` or `signal`.
    public var kind: String
    /// The signal id, for a signal gate.
    public var signal: String?
    /// The declared type of the signal's value.
    public var type: String?
    public var message: String?
    /// When the gate started waiting.
    public var since: String?

    /// What the gate waits for, as runs show it (`waits_for`): `approval` or `signal`.
    public var waitsFor: String { kind == "approve" ? "approval" : "signal" }

    public init(node: String, kind: String, signal: String? = nil, type: String? = nil, message: String? = nil, since: String? = nil) {
        self.node = node
        self.kind = kind
        self.signal = signal
        self.type = type
        self.message = message
        self.since = since
    }
}

/// The body of `GET /api/v1/runs/{id}/gates`: waiting gates in node order.
public struct GatePage: Codable, Sendable, Equatable {
    public var gates: [PendingGate]

    public init(gates: [PendingGate]) { self.gates = gates }
}
