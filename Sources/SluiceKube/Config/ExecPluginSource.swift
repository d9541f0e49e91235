import Foundation
import Synchronization

/// Runs an exec credential plugin and caches its answer until the expiry it gave, or until invalidated.
/// The lock is held while the plugin runs, so concurrent callers wait for one run instead of starting many.
final class ExecPluginSource: Sendable {
    let spec: ExecCredentialSpec
    let clusterInfo: ExecClusterInfo?
    let environment: [String: String]
    let now: @Sendable () -> Date
    private let cached = Mutex<ExecCredentialOutput?>(nil)

    init(spec: ExecCredentialSpec, clusterInfo: ExecClusterInfo?, environment: [String: String], now: @escaping @Sendable () -> Date) {
        self.spec = spec
        self.clusterInfo = clusterInfo
        self.environment = environment
        self.now = now
    }

    func credential() throws(KubeConfigError) -> ExecCredentialOutput {
        try cached.withLock { cached throws(KubeConfigError) -> ExecCredentialOutput in
            if let current = cached, !current.isExpired(at: now()) { return current }
            let fresh = try run()
            cached = fresh
            return fresh
        }
    }

    func invalidate() {
        cached.withLock { $0 = nil }
    }

    private func run() throws(KubeConfigError) -> ExecCredentialOutput {
        var variables = environment
        for variable in spec.env { variables[variable.name] = variable.value }
        variables["KUBERNETES_EXEC_INFO"] = ExecCredentialOutput.execInfo(spec, cluster: clusterInfo)
        let stdout = try ExecPluginProcess.run(spec, environment: variables, searchPath: environment["PATH"])
        return try ExecCredentialOutput.parse(stdout, spec: spec)
    }
}
