import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import SluiceKube

// Shared fixtures of the Config tests: a throwaway folder and a manual wall clock (the manual clock is in Support/).

/// A fresh folder under the temporary directory for one test's kubeconfigs, tokens and plugins.
final class ConfigFolder {
    let path: String

    init() {
        path = FilePath.join(NSTemporaryDirectory(), "sluice-config-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` to `name` (folders created) and returns the absolute path.
    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) -> String {
        let file = FilePath.join(path, name)
        try! FileManager.default.createDirectory(atPath: FilePath.directory(of: file), withIntermediateDirectories: true)
        // Close-on-exec from the start: a plugin another test spawns meanwhile must not inherit a
        // writable descriptor of a script, or exec of that script fails with ETXTBSY.
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, executable ? 0o755 : 0o644)
        precondition(fd >= 0, "cannot write \(file)")
        let bytes = Array(text.utf8)
        precondition(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count)
        close(fd)
        if executable { chmod(file, 0o755) }
        return file
    }

    func remove(_ name: String) {
        try? FileManager.default.removeItem(atPath: FilePath.join(path, name))
    }

    func lines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: FilePath.join(path, name), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

/// A wall clock for expiry checks that moves only when told to.
final class ConfigTestDate: Sendable {
    private let current: Mutex<Date>
    init(_ text: String) { current = Mutex(RFC3339.parse(text)!) }
    var now: @Sendable () -> Date { { self.current.withLock { $0 } } }
    func set(_ text: String) { current.withLock { $0 = RFC3339.parse(text)! } }
}

/// The `KubeConfigError` that `body` throws, or nil (any other error is recorded as an issue).
func configError<T>(_ body: () throws -> T) -> KubeConfigError? {
    do {
        _ = try body()
        return nil
    } catch {
        return expectConfigError(error)
    }
}

/// As `configError`, for a body that runs on a thread of its own (see `blocking`).
func configError(blocking body: @escaping @Sendable () throws -> Void) async -> KubeConfigError? {
    do {
        try await blocking(body)
        return nil
    } catch {
        return expectConfigError(error)
    }
}

private func expectConfigError(_ error: any Error) -> KubeConfigError? {
    if let error = error as? KubeConfigError { return error }
    Issue.record("expected a KubeConfigError, got \(error)")
    return nil
}

/// A minimal kubeconfig: one cluster, one user, one context, made current.
func sampleKubeconfig(server: String = "https://k8s.example:6443", cluster: String = "", user: String = "token: abc",
                namespace: String? = nil, name: String = "dev") -> String {
    """
    apiVersion: v1
    kind: Config
    clusters:
    - name: \(name)
      cluster:
        server: \(server)
    \(cluster.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    users:
    - name: \(name)
      user:
    \(user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
    contexts:
    - name: \(name)
      context:
        cluster: \(name)
        user: \(name)
    \(namespace.map { "    namespace: \($0)" } ?? "")
    current-context: \(name)

    """
}
