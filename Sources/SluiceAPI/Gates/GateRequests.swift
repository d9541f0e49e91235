import SluiceModel

/// The body of approve and reject (`Decision`); may be empty.
public struct Decision: Codable, Sendable, Equatable {
    public var comment: String?

    public init(comment: String? = nil) { self.comment = comment }
}

/// The body of `POST /api/v1/runs/{id}/abort`; may be empty.
public struct AbortRequest: Codable, Sendable, Equatable {
    public var reason: String?

    public init(reason: String? = nil) { self.reason = reason }
}

/// The body of `POST /api/v1/runs/{id}/signals/{signal}`: a typed `value`, or `text` read by the gate's type
/// (what `sluice signal --server` sends).
public struct SignalRequest: Codable, Sendable, Equatable {
    public var value: LiteralValue?
    public var text: String?
    public var comment: String?

    public init(value: LiteralValue? = nil, text: String? = nil, comment: String? = nil) {
        self.value = value
        self.text = text
        self.comment = comment
    }
}

/// The answer to an accepted abort, approval, rejection or signal (`Accepted`): posted to the run's inbox and
/// applied within ~100 ms.
public struct Accepted: Codable, Sendable, Equatable {
    public var run: String
    public var node: String?
    public var signal: String?
    /// `abort`, `approve`, `reject` or `signal`.
    public var action: String
    /// Who the server recorded as acting: the token's name.
    public var by: String
    /// The signal value as typed.
    public var value: LiteralValue?

    public init(run: String, node: String? = nil, signal: String? = nil, action: String, by: String, value: LiteralValue? = nil) {
        self.run = run
        self.node = node
        self.signal = signal
        self.action = action
        self.by = by
        self.value = value
    }
}
