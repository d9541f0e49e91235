import HTTPTask
import SluicePlugin
import SluiceRuntime
import SQLTask

/// The task plugins this sluice runs (`type: http`, `type: sql`); every backend it makes runs them in the controller.
enum TaskPlugins {
    static let all = TaskPluginRegistry([HTTPTask(), SQLTask()])

    /// `backend` with plugin tasks run beside it. Their secrets are the Kubernetes Secrets of the backend's namespace
    /// on the kubernetes backend (as a pod's would be), else the store's local secrets folder.
    static func wrap(_ backend: any AttemptBackend, storeDirectory: String) -> any AttemptBackend {
        let source: PluginSecretSource
        if let kube = backend as? KubernetesBackend {
            source = .kubernetes(client: kube.client, namespace: kube.namespace)
        } else {
            source = .local(LocalSecrets(directory: LocalSecrets.directory(forStore: storeDirectory)))
        }
        return PluginBackend(backend, plugins: all, root: storeDirectory + "/attempts", secretSource: source)
    }
}
