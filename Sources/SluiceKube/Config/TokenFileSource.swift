import Foundation
import Synchronization

/// A bearer token kept in a file that something else rotates (a projected service-account token):
/// cached for an interval, then re-read; the last good token is kept when a re-read fails.
final class TokenFileSource: Sendable {
    let path: String
    let refreshInterval: Duration
    let fallback: String?
    /// Time since this source was made, on the injected clock.
    private let elapsed: @Sendable () -> Duration
    private let state = Mutex(State())

    private struct State {
        var token: String?
        var readAt: Duration?
    }

    init<C: Clock>(path: String, refreshInterval: Duration, fallback: String?, clock: C) where C.Duration == Duration {
        self.path = path
        self.refreshInterval = refreshInterval
        self.fallback = fallback
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
    }

    func token() throws(KubeConfigError) -> String {
        let now = elapsed()
        return try state.withLock { state throws(KubeConfigError) -> String in
            if let token = state.token, let readAt = state.readAt, now - readAt < refreshInterval { return token }
            do throws(KubeConfigError) {
                let token = try Self.readToken(path)
                state = State(token: token, readAt: now)
                return token
            } catch {
                // As client-go: keep sending what we had rather than fail while the file is being replaced.
                if let token = state.token ?? fallback { return token }
                throw error
            }
        }
    }

    func invalidate() {
        state.withLock { $0 = State() }
    }

    /// The file's content without surrounding white space; an empty file is an error.
    static func readToken(_ path: String) throws(KubeConfigError) -> String {
        switch FileBytes.contents(of: path, limit: 1 << 20) {
        case .failure(let failure):
            throw KubeConfigError(failure.missing ? .notFound : .unreadable, file: path, "cannot read the token file: \(failure.reason)")
        case .success(let bytes):
            let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw KubeConfigError(.credentials, file: path, "the token file is empty; expected a bearer token")
            }
            return token
        }
    }
}
