/// The components `kubesim` runs beside the API server. The simulated kubelet and controllers
/// (Kubelet/, Controllers/) register here.
public enum KubeSimComponents {
    /// The built-in components for these options.
    public static func builtIn(_ options: KubeSimOptions) -> [any KubeSimComponent] {
        []
    }
}
