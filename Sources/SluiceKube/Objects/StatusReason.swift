/// Why a request failed: apimachinery's metav1.StatusReason. A reason newer than this client keeps
/// its text.
public enum StatusReason: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The server gave no reason (the empty string).
    case unknown
    case unauthorized
    case forbidden
    case notFound
    case alreadyExists
    case conflict
    case gone
    case invalid
    case serverTimeout
    case storeReadError
    case timeout
    case tooManyRequests
    case badRequest
    case methodNotAllowed
    case notAcceptable
    case requestEntityTooLarge
    case unsupportedMediaType
    case internalError
    /// The resource version asked for is too old (a watch or list answered 410): list again.
    case expired
    case serviceUnavailable
    case unrecognized(String)

    public init(rawValue: String) {
        switch rawValue {
        case "": self = .unknown
        case "Unauthorized": self = .unauthorized
        case "Forbidden": self = .forbidden
        case "NotFound": self = .notFound
        case "AlreadyExists": self = .alreadyExists
        case "Conflict": self = .conflict
        case "Gone": self = .gone
        case "Invalid": self = .invalid
        case "ServerTimeout": self = .serverTimeout
        case "StorageReadError": self = .storeReadError
        case "Timeout": self = .timeout
        case "TooManyRequests": self = .tooManyRequests
        case "BadRequest": self = .badRequest
        case "MethodNotAllowed": self = .methodNotAllowed
        case "NotAcceptable": self = .notAcceptable
        case "RequestEntityTooLarge": self = .requestEntityTooLarge
        case "UnsupportedMediaType": self = .unsupportedMediaType
        case "InternalError": self = .internalError
        case "Expired": self = .expired
        case "ServiceUnavailable": self = .serviceUnavailable
        default: self = .unrecognized(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .unknown: ""
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notFound: "NotFound"
        case .alreadyExists: "AlreadyExists"
        case .conflict: "Conflict"
        case .gone: "Gone"
        case .invalid: "Invalid"
        case .serverTimeout: "ServerTimeout"
        case .storeReadError: "StorageReadError"
        case .timeout: "Timeout"
        case .tooManyRequests: "TooManyRequests"
        case .badRequest: "BadRequest"
        case .methodNotAllowed: "MethodNotAllowed"
        case .notAcceptable: "NotAcceptable"
        case .requestEntityTooLarge: "RequestEntityTooLarge"
        case .unsupportedMediaType: "UnsupportedMediaType"
        case .internalError: "InternalError"
        case .expired: "Expired"
        case .serviceUnavailable: "ServiceUnavailable"
        case .unrecognized(let text): text
        }
    }

    public var description: String { rawValue }
}
