import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// An HTTPS KubeSim on 127.0.0.1 with its certificates in a throwaway folder, plus that folder for the
/// kubeconfigs, tokens and plugins of one test.
struct TLSFixture {
    let sim: KubeSimServer
    let folder: ConfigFolder

    var certificates: GeneratedCertificates { sim.certificates! }
    var caPath: String { certificates.caCertificate }
    var caPEM: [UInt8] { Array(FileManager.default.contents(atPath: caPath)!) }

    /// The kubeconfig cluster lines that trust the sim's CA.
    var trustedCA: String { "certificate-authority: \(caPath)" }

    /// Writes a one-context kubeconfig for the sim with these cluster and user lines; returns its path.
    func kubeconfig(cluster: String? = nil, user: String, namespace: String? = nil) -> String {
        folder.write("config-\(UUID().uuidString.prefix(8))",
                     sampleKubeconfig(server: sim.baseURL, cluster: cluster ?? trustedCA, user: user, namespace: namespace))
    }

    /// A client loaded through `ClusterConfig.load` from such a kubeconfig.
    func client(cluster: String? = nil, user: String, environment: [String: String] = ["PATH": "/usr/bin:/bin"]) throws -> KubeClient {
        let path = kubeconfig(cluster: cluster, user: user)
        return try Self.client(ClusterConfig.load(kubeconfigPaths: [path], environment: environment))
    }

    /// A client for `config` that fails fast: no rate limit, short network retry waits.
    static func client(_ config: ClusterConfig) throws -> KubeClient {
        try KubeClient(config: config, rateLimiter: RateLimiter(qps: 0, burst: 1), retryPolicy: .fast)
    }

    /// The users KubeSim recorded for writes of objects named `name`, in order.
    func writers(of name: String) -> [String] {
        sim.store.writes().filter { $0.name == name }.map(\.user)
    }

    /// PEM file contents as a kubeconfig `-data` value.
    static func base64(ofFile path: String) -> String {
        FileManager.default.contents(atPath: path)!.base64EncodedString()
    }
}

/// Runs `body` against a fresh TLS KubeSim (`tls` on, certificates in the fixture's folder); stops it after.
func withTLSSim<R>(_ configure: (inout KubeSimOptions) -> Void = { _ in },
                   _ body: (TLSFixture) async throws -> R) async throws -> R {
    let folder = ConfigFolder()
    var options = KubeSimOptions()
    options.tls = true
    options.certDirectory = FilePath.join(folder.path, "pki")
    options.bookmarkInterval = .milliseconds(100)
    configure(&options)
    let sim = try await KubeSim.start(options)
    do {
        let result = try await body(TLSFixture(sim: sim, folder: folder))
        await sim.stop()
        return result
    } catch {
        await sim.stop()
        throw error
    }
}

/// The transport failure `body` ends with, or nil when it succeeded or failed otherwise (recorded as an issue).
func transportFailure<T>(_ body: () async throws -> T) async -> TransportError? {
    do {
        _ = try await body()
        Issue.record("expected a transport error, but the request succeeded")
    } catch KubeError.transport(let error) {
        return error
    } catch {
        Issue.record("expected a transport error, got \(error)")
    }
    return nil
}

/// The API status `body` fails with, or nil when it succeeded or failed otherwise (recorded as an issue).
func statusFailure<T>(_ body: () async throws -> T) async -> KubeError? {
    do {
        _ = try await body()
        Issue.record("expected the server to refuse, but the request succeeded")
    } catch let error as KubeError where error.statusError != nil {
        return error
    } catch {
        Issue.record("expected an API status, got \(error)")
    }
    return nil
}
