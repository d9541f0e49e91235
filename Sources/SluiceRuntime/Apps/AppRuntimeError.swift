/// Why an app operation was refused or a replica could not start, in one sentence.
public enum AppRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    case noApp(String)
    case cannotStart(String)
    case invalid(String)
    case store(String)

    public var description: String {
        switch self {
        case .noApp(let name): "no app named '\(name)' is deployed"
        case .cannotStart(let why): why
        case .invalid(let why): why
        case .store(let why): "the store failed: \(why)"
        }
    }
}
