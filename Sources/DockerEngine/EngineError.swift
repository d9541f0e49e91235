import SluiceKube

/// A failed call to the engine: no answer at all (`transport`), or an HTTP error status with the
/// engine's own `message`. One sentence names the call.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status, or nil when no response came (socket missing, engine down, timeout).
    public let status: Int?
    /// The engine's `message` (or the transport's reason).
    public let message: String
    /// What was asked, e.g. `POST /containers/create`.
    public let call: String

    public init(status: Int?, message: String, call: String) {
        self.status = status
        self.message = message
        self.call = call
    }

    public var isNotFound: Bool { status == 404 }
    /// A container with that name exists (create), or the container is in the wrong state: 409 on Docker;
    /// Podman 4 answers a name in use with 500 "... is already in use".
    public var isConflict: Bool { status == 409 || (status == 500 && message.contains("already in use")) }
    /// True when the engine could not be reached at all.
    public var isUnreachable: Bool { status == nil }

    public var description: String {
        status.map { "\(call): \(message) (HTTP \($0))" } ?? "\(call): \(message)"
    }
}
