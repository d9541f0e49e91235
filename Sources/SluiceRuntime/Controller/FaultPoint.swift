import Foundation

/// Test-only crash injection: `SLUICE_FAULT=after-commit:7` kills this process with SIGKILL right after its
/// seventh commit (before the step's effects run) — the moments a crash test must survive. Unset, it costs a
/// counter increment.
enum FaultPoint {
    enum Place: String { case beforeCommit = "before-commit", afterCommit = "after-commit" }

    nonisolated(unsafe) private static var counts: [Place: Int] = [:]
    private static let target: (Place, Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["SLUICE_FAULT"] else { return nil }
        let parts = spec.split(separator: ":")
        guard parts.count == 2, let place = Place(rawValue: String(parts[0])), let n = Int(parts[1]) else { return nil }
        return (place, n)
    }()

    static func hit(_ place: Place) {
        guard let (p, n) = target, p == place else { return }
        counts[place, default: 0] += 1
        if counts[place] == n { kill(getpid(), SIGKILL) }
    }
}
