import SluiceEngine
import SluiceModel
import SluicePlugin

/// A plugin attempt that runs as a pod: the plugin's container becomes a container task's attempt, so the
/// Kubernetes backend builds its pod with the builder every task goes through (names, labels, the attempt's
/// Secret, security defaults, resources) and follows, adopts and cancels it like any pod.
enum PluginPod {
    /// `spec` as a container attempt running the container `plugin` gives for `attempt`.
    static func spec(_ spec: AttemptSpec, plugin: any TaskPlugin, attempt: PluginAttempt, backend: String,
                     runsPods: Bool) throws(BackendError) -> AttemptSpec {
        guard runsPods else {
            throw BackendError("task '\(spec.task.name)' (type: \(plugin.type)) runs as a pod, and the \(backend) backend runs no pods; use the kubernetes backend",
                               kind: .user)
        }
        let container: PluginContainer
        do throws(PluginFailure) { container = try plugin.container(for: attempt) } catch {
            throw BackendError("task '\(spec.task.name)': \(error.message)", kind: error.kind == .system ? .system : .user)
        }
        // Kubernetes expands $(NAME) in a container's command and env values; the plugin's strings are literal.
        // The pod builder keeps every task's command literal (PodPlan.literal); env values are escaped here.
        let command = container.command
        let env = container.env.map { EnvVar(name: $0.name, value: PodPlan.literal($0.value)) }
        var out = spec
        out.task.runtime = .container(ContainerSpec(image: container.image, command: command, env: env))
        out.task.secrets += container.secrets
        out.image = container.image
        out.command = command
        out.env = spec.env + env
        return out
    }
}
