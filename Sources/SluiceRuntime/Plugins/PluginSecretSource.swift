import Foundation
import SluiceKube
import SluiceModel

/// Where in-controller plugin tasks (`http`, `sql`) read the secrets their config names: the store's local secrets
/// folder, or the Kubernetes Secrets of the namespace the backend runs pods in.
///
/// A plugin reads secrets synchronously (`PluginAttempt.secret`), so the plugin backend fetches every secret the
/// plugin declares (`TaskPlugin.secrets`) before it runs the attempt; a failed fetch ends the attempt unrun.
public struct PluginSecretSource: Sendable {
    /// For the submit-time check: where a missing secret was expected, or nil when it is there or can only be
    /// known when an attempt reads it.
    public var missing: @Sendable (SecretRef) -> String?
    /// One secret's value; a `.user` error fails the attempt (charged to the task), a `.system` one is retried.
    public var fetch: @Sendable (SecretRef) async throws(BackendError) -> String

    public init(missing: @escaping @Sendable (SecretRef) -> String? = { _ in nil },
                fetch: @escaping @Sendable (SecretRef) async throws(BackendError) -> String) {
        self.missing = missing
        self.fetch = fetch
    }

    /// The files of a `LocalSecrets` folder (`<dir>/NAME` or `<dir>/NAME/KEY`).
    public static func local(_ secrets: LocalSecrets) -> PluginSecretSource {
        PluginSecretSource(missing: { s in secrets.exists(s) ? nil : secrets.file(s) }) { s throws(BackendError) in
            try secrets.value(s)
        }
    }

    /// The Secrets of `namespace`, read through `client`: `{secret: NAME, key: KEY}` is key KEY of Secret NAME (key
    /// NAME when none is given), as a pod's `secretKeyRef` reads it. Secrets are looked up when an attempt runs, so
    /// the submit-time check passes them, as it passes the Secrets a pod names.
    public static func kubernetes(client: KubeClient, namespace: String) -> PluginSecretSource {
        PluginSecretSource { s throws(BackendError) in
            try await KubernetesSecretValue.read(s, client: client, namespace: namespace)
        }
    }
}

/// One key of a Kubernetes Secret, with errors that name the Secret and say whose fault a failure is.
enum KubernetesSecretValue {
    static func read(_ s: SecretRef, client: KubeClient, namespace: String) async throws(BackendError) -> String {
        let key = s.key ?? s.name
        let what = "Secret \(namespace)/\(s.name) key '\(key)'"
        let fetched: Result<JSONObject, KubeError>
        do { fetched = .success(try await client.get(KubernetesBackend.secrets, namespace: namespace, name: s.name)) } catch {
            fetched = .failure(error)
        }
        let secret: JSONObject
        switch fetched {
        case .success(let object): secret = object
        case .failure(let error):
            if error.isNotFound {
                throw BackendError("\(what) cannot be read: Secret \(namespace)/\(s.name) does not exist", kind: .user)
            }
            if error.isForbidden || error.isUnauthorized {
                // The controller's account may not read it: only a change of its permissions helps.
                throw BackendError("\(what) cannot be read: \(error.statusError?.message ?? error.description)", kind: .user)
            }
            // Unreachable API server, throttling that outlasted the client's retries, a 5xx: the controller's side.
            throw BackendError("\(what) cannot be read: \(error)", kind: .system)
        }
        let data = secret["data"]?.objectValue ?? [:]
        guard let encoded = data[key] else {
            let keys = data.keys.sorted()
            throw BackendError("\(what) cannot be read: the Secret has no key '\(key)' (its keys: \(keys.isEmpty ? "none" : keys.joined(separator: ", ")))",
                               kind: .user)
        }
        guard let text = encoded.stringValue, let bytes = Data(base64Encoded: text) else {
            throw BackendError("\(what) cannot be read: its value is not base64 as the API sends Secret data", kind: .system)
        }
        var value = String(decoding: bytes, as: UTF8.self)
        // As with the local folder: a file made into a Secret (`kubectl create secret --from-file`) often ends in a newline.
        if value.hasSuffix("\n") { value.removeLast() }
        return value
    }
}
