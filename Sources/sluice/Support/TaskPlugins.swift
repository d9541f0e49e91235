import HTTPTask
import SluicePlugin
import SluiceRuntime
import SQLTask

/// The task plugins this sluice runs (`type: http`, `type: sql`); every backend it makes runs them in the controller.
enum TaskPlugins {
    static let all = TaskPluginRegistry([HTTPTask(), SQLTask()])

    /// `backend` with plugin tasks run beside it; their secrets come from the store's local secret folder.
    static func wrap(_ backend: any AttemptBackend, storeDirectory: String) -> any AttemptBackend {
        PluginBackend(backend, plugins: all, root: storeDirectory + "/attempts",
                      secrets: LocalSecrets(directory: LocalSecrets.directory(forStore: storeDirectory)))
    }
}
