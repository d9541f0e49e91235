import HTTPTask
import SluicePlugin
import SluiceRuntime
import SQLTask

/// The task plugins this sluice runs (`type: http`, `type: sql`); every backend it makes runs them in the controller.
enum TaskPlugins {
    static let all = TaskPluginRegistry([HTTPTask(), SQLTask()])

    /// `backend` with plugin tasks run beside it. Their secrets are the Kubernetes Secrets of the backend's namespace
    /// on the kubernetes backend (as a pod's would be), else the store's local secrets folder.
    /// `extra`: plugins only this command runs (`serve`'s deploy steps).
    static func wrap(_ backend: any AttemptBackend, storeDirectory: String, extra: [any TaskPlugin] = []) -> any AttemptBackend {
        let source: PluginSecretSource
        if let kube = backend as? KubernetesBackend {
            source = .kubernetes(client: kube.client, namespace: kube.namespace)
        } else {
            source = .local(LocalSecrets(directory: LocalSecrets.directory(forStore: storeDirectory)))
        }
        let plugins = extra.isEmpty ? all : TaskPluginRegistry([HTTPTask(), SQLTask()] + extra)
        return PluginBackend(backend, plugins: plugins, root: storeDirectory + "/attempts", secretSource: source)
    }
}
