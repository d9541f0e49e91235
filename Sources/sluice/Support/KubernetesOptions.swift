import ArgumentParser
import Foundation
import SluiceKube
import SluiceModel
import SluiceRuntime

/// `--backend kubernetes` settings: the cluster, the namespace, graces and limits.
struct KubernetesOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kubernetes: the kubeconfig file (default: in-cluster when run in a pod, else $KUBECONFIG, else ~/.kube/config).", valueName: "file"))
    var kubeconfig: String?

    @Option(name: .customLong("kube-context"), help: ArgumentHelp("Kubernetes: the kubeconfig context (default: its current context).", valueName: "name"))
    var kubeContext: String?

    @Option(help: ArgumentHelp("Kubernetes: the namespace pods are created in (default: the context's namespace, else 'default').", valueName: "name"))
    var namespace: String?

    @Option(name: .customLong("pod-delete-after"), help: ArgumentHelp("Kubernetes: delete finished pods this long after they end, once their logs are in the store.", valueName: "duration"))
    var podDeleteAfter: String = "10m"

    @Option(name: .customLong("unschedulable-grace"), help: ArgumentHelp("Kubernetes: a pod no node can take fails (a system failure, retried) after this long.", valueName: "duration"))
    var unschedulableGrace: String = "10m"

    @Option(name: .customLong("image-pull-grace"), help: ArgumentHelp("Kubernetes: a pod whose image does not pull fails (a user failure) after this long.", valueName: "duration"))
    var imagePullGrace: String = "3m"

    @Option(name: .customLong("max-pods"), help: ArgumentHelp("Kubernetes: pods alive at once over all runs; more attempts wait, visibly.", valueName: "n"))
    var maxPods: Int = 500

    @Option(name: .customLong("max-pods-per-run"), help: ArgumentHelp("Kubernetes: pods alive at once for one run.", valueName: "n"))
    var maxPodsPerRun: Int = 100

    @Option(name: .customLong("kube-qps"), help: ArgumentHelp("Kubernetes: API requests per second (client-go's QPS).", valueName: "n"))
    var kubeQPS: Double = 100

    @Option(name: .customLong("kube-burst"), help: ArgumentHelp("Kubernetes: API requests allowed at once above the QPS.", valueName: "n"))
    var kubeBurst: Int = 200

    @Option(name: .customLong("pod-create-qps"), help: ArgumentHelp("Kubernetes: pod creations per second, within --kube-qps.", valueName: "n"))
    var podCreateQPS: Double = 20

    @OptionGroup var pod: PodShapeOptions

    /// Whether any Kubernetes option was given (they go with --backend kubernetes only).
    var anyGiven: Bool {
        // Compared field by field with a parse of no arguments, so the defaults are written once (in the options).
        return Self.fields(self) != Self.defaultFields || pod.anyGiven
    }

    private static let defaultFields: [String] = {
        guard let defaults = try? KubernetesOptions.parse([]) else { return [] }
        return fields(defaults)
    }()

    private static func fields(_ options: KubernetesOptions) -> [String] {
        Mirror(reflecting: options).children.filter { $0.label != "_pod" }.map { "\($0.value)" }
    }

    func validate() throws {
        for (flag, text) in [("--pod-delete-after", podDeleteAfter), ("--unschedulable-grace", unschedulableGrace), ("--image-pull-grace", imagePullGrace)] {
            _ = try duration(flag, text)
        }
        for (flag, n) in [("--max-pods", maxPods), ("--max-pods-per-run", maxPodsPerRun), ("--kube-burst", kubeBurst)] where n < 1 {
            throw ValidationError("\(flag) \(n): expected a whole number of at least 1")
        }
        for (flag, q) in [("--kube-qps", kubeQPS), ("--pod-create-qps", podCreateQPS)] where !(q > 0) {
            throw ValidationError("\(flag) \(q): expected a number of requests per second above 0")
        }
        if let namespace, !RunLabels.isDNSLabel(namespace) {
            throw ValidationError("--namespace \(namespace): expected a DNS-1123 label (lowercase letters, digits and '-', at most 63)")
        }
        if kubeQPS < 3 * podCreateQPS {
            // Each pod costs three requests (its Secret, the pod, the Secret's owner): creates would be held to a third.
            FileHandle.standardError.write(Data("sluice: warning: --kube-qps \(kubeQPS) holds pod creates below --pod-create-qps \(podCreateQPS); each pod takes 3 API requests, so give --kube-qps at least \(3 * podCreateQPS)\n".utf8))
        }
    }

    func duration(_ flag: String, _ text: String) throws -> Duration {
        do { return .milliseconds(try DurationValue(parsing: text).milliseconds) } catch {
            throw ValidationError("\(flag) \(text): expected a duration such as 90s, 10m or 1h")
        }
    }

    /// The cluster configuration: --kubeconfig, else in-cluster, else $KUBECONFIG / ~/.kube/config.
    func clusterConfig() throws -> ClusterConfig {
        do {
            if kubeconfig != nil || kubeContext != nil {
                return try ClusterConfig.load(kubeconfigPaths: kubeconfig.map { [$0] }, context: kubeContext)
            }
            return try ClusterConfig.automatic()
        } catch {
            throw CLIError.input("cannot reach Kubernetes: \(error)")
        }
    }

    /// The client for the cluster, with the API rate limits.
    func client(_ config: ClusterConfig) throws -> KubeClient {
        do { return try KubeClient(config: config, rateLimiter: RateLimiter(qps: kubeQPS, burst: kubeBurst)) } catch {
            throw CLIError.input("cannot reach Kubernetes: \(error)")
        }
    }

    /// The backend over the store's attempt folders.
    func backend(storeDirectory: String) throws -> KubernetesBackend {
        let config = try clusterConfig()
        let client = try client(config)
        var podSettings = KubePodSettings(namespace: namespace ?? (config.namespace.isEmpty ? "default" : config.namespace))
        try pod.apply(to: &podSettings)
        var settings = KubernetesSettings(pod: podSettings)
        settings.deleteAfter = try duration("--pod-delete-after", podDeleteAfter)
        settings.unschedulableGrace = try duration("--unschedulable-grace", unschedulableGrace)
        settings.imagePullGrace = try duration("--image-pull-grace", imagePullGrace)
        settings.maxPods = maxPods
        settings.maxPodsPerRun = maxPodsPerRun
        settings.podCreateQPS = podCreateQPS
        settings.podCreateBurst = max(1, Int(podCreateQPS.rounded(.up)))
        return KubernetesBackend(client: client, settings: settings, root: storeDirectory + "/attempts")
    }

    /// The flags that were given, to pass on to a background `sluice resume`.
    var arguments: [String] {
        var a: [String] = []
        if let kubeconfig { a += ["--kubeconfig", kubeconfig] }
        if let kubeContext { a += ["--kube-context", kubeContext] }
        if let namespace { a += ["--namespace", namespace] }
        a += ["--pod-delete-after", podDeleteAfter, "--unschedulable-grace", unschedulableGrace, "--image-pull-grace", imagePullGrace,
              "--max-pods", String(maxPods), "--max-pods-per-run", String(maxPodsPerRun), "--kube-qps", String(kubeQPS),
              "--kube-burst", String(kubeBurst), "--pod-create-qps", String(podCreateQPS)]
        return a + pod.arguments
    }
}
