import ArgumentParser
import Foundation
import SluiceModel
import SluiceRuntime
import SluiceServer
import SluiceStore

/// `sluice serve`: keeps running flows and serves the HTTP API.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the controller and the HTTP API over a store.",
        discussion: """
            Drives every unfinished run of the store (and every run submitted later) on its backend \
            (--backend: local processes, containers or Kubernetes pods), and serves the JSON API: submit, list and watch runs, approve gates, send signals. \
            SIGTERM or Ctrl-C stops it gracefully: running tasks keep running (under their supervisors, \
            as containers or as pods) and are adopted when a server starts again on the same store. \
            On Kubernetes, servers elect a leader on a Lease; only the leader drives runs.

            Examples:
              sluice serve
              sluice serve --store /var/lib/sluice --listen 127.0.0.1:9000
              curl -s http://127.0.0.1:8470/api/v1/runs \\
                -H "Authorization: Bearer $(cat .sluice/admin.token)"

            On loopback the first start writes an admin token to <store>/admin.token; \
            the curl example reads it from the default store, ./.sluice. Create \
            other tokens with `sluice token create`.
            """
    )

    @Option(help: "Address to listen on, HOST:PORT. Beyond loopback, the store must have tokens (sluice token create).")
    var listen: String = "127.0.0.1:8470"

    @OptionGroup var backendOption: BackendOption

    @Option(name: .customLong("run-as"), help: ArgumentHelp(
        "The account local tasks run as, so they cannot read the store's database, tokens or secrets.",
        discussion: "Default when the server runs as root: \(TaskUser.defaultName) (bin/sluice and bin/test create it). 'self' runs tasks as the server's own user. Only root can switch users.",
        valueName: "USER"))
    var runAs: String?

    @Option(name: .customLong("advertise-url"), help: ArgumentHelp(
        "The URL tasks call back to (default: the listen address).",
        discussion: "Set it when several servers share a store behind one address, so a task's callbacks reach whichever server drives its run after a restart or failover. A callback that reaches a server not driving the run is relayed to the one that does.",
        valueName: "URL"))
    var advertiseURL: String?

    @Option(name: .customLong("lease-name"), help: ArgumentHelp(
        "Kubernetes: the Lease (in --namespace) the controllers of one installation elect their leader on.",
        discussion: "Only the leader drives runs; a standby serves the API and takes over when the leader stops renewing. A leader that cannot renew stops (its pod restarts as a standby).",
        valueName: "name"))
    var leaseName: String = "sluice-controller"

    @Option(help: ArgumentHelp("Kubernetes: this controller's name in the Lease (default: $POD_NAME, else host name and pid).", valueName: "name"))
    var identity: String?

    @Option(name: .customLong("lease-duration"), help: ArgumentHelp("Kubernetes: how long a standby waits after the leader's last renewal before it takes over.", valueName: "duration"))
    var leaseDuration: String = "15s"

    @Option(name: .customLong("admin-token-file"), help: ArgumentHelp(
        "A file holding an admin token, registered in the store as 'bootstrap' at every start (e.g. a mounted Kubernetes Secret).",
        discussion: "With it the server may listen beyond loopback on a new store. Changing the file's token and restarting revokes the old 'bootstrap' token.",
        valueName: "FILE"))
    var adminTokenFile: String?

    @Option(name: .customLong("retain-finished"), help: ArgumentHelp(
        "Remove runs that finished longer ago than this (rows, attempt folders, logs), at start and every --retention-interval. Default: keep every run.",
        valueName: "duration"))
    var retainFinished: String?

    @Option(name: .customLong("retention-interval"), help: ArgumentHelp("How often --retain-finished looks for runs to remove. Default: 1h.", valueName: "duration"))
    var retentionInterval: String?

    @Option(name: .customLong("app-upstream"), help: ArgumentHelp(
        "Kubernetes: where the gateway sends an app's requests, with {name}, {namespace} and {port} filled in.",
        discussion: "Default: http://{name}.{namespace}.svc:{port}, the app's Service by its cluster DNS name (the server runs in the cluster). Outside the cluster, point it at something that reaches the Services, e.g. a port-forward.",
        valueName: "url"))
    var appUpstream: String?

    @Option(name: .customLong("app-ingress-host"), help: ArgumentHelp(
        "Kubernetes: give each public app an Ingress for this host ({name} and {namespace} filled in), to its Service.",
        discussion: "E.g. {name}.apps.example.com. Private apps get none: only the gateway checks their tokens (an app that turns private loses its Ingress). Default: no Ingresses; apps are reached through the gateway.",
        valueName: "host"))
    var appIngressHost: String?

    @Option(name: .customLong("app-ingress-class"), help: ArgumentHelp("Kubernetes: the IngressClass of the apps' Ingresses (default: the cluster's default class).", valueName: "name"))
    var appIngressClass: String?

    @OptionGroup var storeOption: StoreOption

    /// The leader election of `--backend kubernetes` (nil on other backends).
    func leadership(_ backend: (any AttemptBackend)?) throws -> KubeLeadership? {
        guard let kube = ((backend as? PluginBackend)?.inner ?? backend) as? KubernetesBackend else { return nil }
        let duration = try backendOption.kubernetes.duration("--lease-duration", leaseDuration)
        let env = ProcessInfo.processInfo.environment
        let me = identity ?? env["POD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        let l = KubeLeadership(client: kube.client, namespace: kube.namespace, name: leaseName, identity: me, leaseDuration: duration,
                               renewDeadline: duration * 2 / 3, retryPeriod: min(.seconds(2), duration / 5))
        do { try l.check() } catch { throw CLIError.input("--lease-duration \(leaseDuration): \(error)") }
        return l
    }

    /// The account tasks run as: `--run-as`, else `sluice-task` when running as root, else the server's own.
    func taskUser() throws -> TaskUser? {
        let name = runAs ?? (TaskUser.canSwitch ? TaskUser.defaultName : "self")
        if name == "self" {
            if TaskUser.canSwitch {
                FileHandleOutput.standardError("sluice serve: warning: tasks run as root and can read the store's database, tokens and secrets (--run-as self)")
            }
            return nil
        }
        guard TaskUser.canSwitch else {
            throw CLIError.input("--run-as \(name): only a server running as root can run tasks as another user; drop --run-as, or use --backend container for isolation")
        }
        guard let user = TaskUser.lookup(name) else {
            throw CLIError.input("--run-as \(name): no such user; create it (useradd --system --no-create-home --shell /usr/sbin/nologin \(name)) or pass --run-as self to run tasks as root")
        }
        if user.uid == 0 { return nil }
        return user
    }

    func validate() throws {
        _ = try ListenAddress.parse(listen)
        if retentionInterval != nil, retainFinished == nil {
            throw ValidationError("--retention-interval says how often --retain-finished removes runs; give --retain-finished too")
        }
        for (flag, text) in [("--retain-finished", retainFinished), ("--retention-interval", retentionInterval)] {
            guard let text else { continue }
            do {
                guard try DurationValue(parsing: text).milliseconds > 0 else { throw ValidationError("\(flag) \(text): must be longer than 0") }
            } catch let error as DurationSyntaxError {
                throw ValidationError("\(flag) \(text): \(error)")
            }
        }
        if let url = advertiseURL, URL(string: url)?.scheme != "http" || URL(string: url)?.host == nil {
            throw ValidationError("--advertise-url \(url): expected an http:// URL such as http://sluice.internal:8470")
        }
        if (backendOption.backend ?? "local") != "kubernetes", leaseName != "sluice-controller" || identity != nil || leaseDuration != "15s" {
            throw ValidationError("--lease-name, --identity and --lease-duration go with --backend kubernetes")
        }
        if let appUpstream {
            guard backendOption.backend == "kubernetes" else { throw ValidationError("--app-upstream goes with --backend kubernetes") }
            var settings = KubernetesApps.Settings(pod: KubePodSettings(namespace: "default"))
            settings.upstream = appUpstream
            guard settings.upstream(name: "app", port: 8080) != nil else {
                throw ValidationError("--app-upstream \(appUpstream): expected an http://HOST:PORT URL (with {name}, {namespace}, {port} as needed), e.g. http://{name}.{namespace}.svc:{port}")
            }
        }
        if appIngressHost != nil || appIngressClass != nil {
            guard backendOption.backend == "kubernetes" else { throw ValidationError("--app-ingress-host and --app-ingress-class go with --backend kubernetes") }
            guard let host = appIngressHost else { throw ValidationError("--app-ingress-class names the class of the apps' Ingresses; give --app-ingress-host too") }
            let sample = host.replacingOccurrences(of: "{name}", with: "app").replacingOccurrences(of: "{namespace}", with: "default")
            let labels = sample.split(separator: ".", omittingEmptySubsequences: false)
            guard sample.utf8.count <= 253, labels.count >= 1, labels.allSatisfy({ RunLabels.isDNSLabel(String($0)) }) else {
                throw ValidationError("--app-ingress-host \(host): expected a DNS name (lowercase letters, digits, '-' and '.'), with {name} and {namespace} as needed, e.g. {name}.apps.example.com")
            }
            if let appIngressClass, !RunLabels.isDNSLabel(appIngressClass) {
                throw ValidationError("--app-ingress-class \(appIngressClass): expected an IngressClass name (a DNS label)")
            }
        }
        if runAs != nil, (backendOption.backend ?? "local") != "local" {
            throw ValidationError("--run-as applies to the local backend; containers run as their image's user (or the task's user:)")
        }
    }

    func run() throws {
        let (name, port) = try ListenAddress.parse(listen)
        if let adminTokenFile { try AdminTokenFile.register(adminTokenFile, storeDirectory: storeOption.directory) }
        if !ListenAddress.isLoopback(name) {
            // Refuse before resolving anything: a server beyond loopback needs tokens, whatever the name says.
            let store = try storeOption.openStore(.create)
            defer { store.close() }
            try ServeTokens.requireTokens(store, host: name, storeDirectory: storeOption.directory)
        }
        let host = try ListenAddress.bindAddress(name)
        // A busy port is reported before the store, its admin token or an attempt folder is made.
        if let failure = APIServer.ListenFailure.probe(host: host, port: port) { throw CLIError.input(failure.description) }
        let server: APIServer
        let backendName = backendOption.backend ?? "local"
        // Every backend, the local one with its task user, runs task plugins beside it (TaskPlugins.wrap). Apps run as
        // local processes, containers on the container backend (APIServer picks) or Deployments on Kubernetes. Every
        // backend of `serve` runs deploy steps and `uses:` (on the container backend a task that uses an app reaches
        // it through the server's listener on the bridge network: ContainerNetworkGateway).
        let appDeploy = AppDeployTask()
        let backend = try backendOption.make(backendName, storeDirectory: storeOption.directory,
                                             taskUser: backendName == "local" ? try taskUser() : nil, extra: [appDeploy])
        do {
            var configuration = APIServer.Configuration(storeDirectory: storeOption.directory, host: host, port: port, backend: backend)
            configuration.appDeploy = appDeploy
            configuration.advertiseURL = advertiseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            configuration.leadership = try leadership(backend)
            if let kube = ((backend as? PluginBackend)?.inner ?? backend) as? KubernetesBackend {
                // Apps become Deployments and Services in the tasks' namespace, labelled with the same store id.
                var settings = KubernetesApps.Settings(pod: kube.settings.pod)
                if let appUpstream { settings.upstream = appUpstream }
                settings.ingressHost = appIngressHost
                settings.ingressClass = appIngressClass
                // Only the leader scales apps (autoscaling, scale to zero, wakes); a standby's gateway routes to ready pods.
                if let leadership = configuration.leadership { settings.leads = { leadership.isLeader } }
                configuration.appBackend = { [client = kube.client, settings] store in KubernetesApps(client: client, settings: settings, store: store) }
            }
            configuration.retainFinished = try retainFinished.map { try DurationValue(parsing: $0) }
            configuration.retentionInterval = try DurationValue(parsing: retentionInterval ?? "1h")
            server = try APIServer(configuration)
        } catch let error as CLIError {
            throw error
        } catch let error as LocalRunnerError {
            throw CLIError.input("\(error)")
        } catch {
            throw CLIError.input("cannot open the store at \(storeOption.directory): \(error)")
        }
        try ServeTokens.prepare(server.controller.store, host: name, storeDirectory: storeOption.directory)
        signal(SIGPIPE, SIG_IGN)
        let directory = storeOption.directory
        // The main thread waits; the server runs on the concurrency pool and NIO's threads.
        let outcome = ServeOutcome()
        Task {
            do {
                try await server.run(handleSignals: true) { bound in
                    FileHandleOutput.standardError("sluice serve: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(bound) (store \(directory))")
                    if ListenAddress.isLoopback(name) { ServeTokens.recordAddress(directory, host: host, port: bound) }
                    if let gateway = await server.containerAppGatewayURL() {
                        FileHandleOutput.standardError("sluice serve: task containers that use an app reach it at \(gateway)/apps/NAME")
                    }
                }
            } catch {
                outcome.error = error
            }
            outcome.done.signal()
        }
        outcome.done.wait()
        if let error = outcome.error as? APIServer.ListenFailure { throw CLIError.input(error.description) }
        if let error = outcome.error { throw CLIError.input("sluice serve stopped: \(error)") }
        if server.lostLeadership.withLock({ $0 }) {
            FileHandleOutput.standardError("sluice serve: stopped: this controller lost the lease \(leaseName) to another")
            throw ExitCode(1)
        }
        FileHandleOutput.standardError("sluice serve: stopped")
    }
}

/// How the server task ended, for the waiting main thread.
private final class ServeOutcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var error: (any Error)?
}

/// Every API request needs a token: on loopback the first start writes an admin token where the CLI finds
/// it; elsewhere the server refuses to start until tokens exist.
enum ServeTokens {
    /// The file the first start on loopback writes an admin token to.
    static func adminTokenFile(_ storeDirectory: String) -> String { storeDirectory + "/admin.token" }
    /// Where the server that wrote the admin token listens (`ADDRESS PORT`): the CLI sends the token there only.
    static func addressFile(_ storeDirectory: String) -> String { storeDirectory + "/admin.token.address" }

    static func recordAddress(_ storeDirectory: String, host: String, port: Int) {
        let path = addressFile(storeDirectory), temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let text = Array("\(host) \(port)\n".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        rename(temporary, path)
    }

    /// The local admin token, if `host:port` is where the server that wrote it listens (resolved, compared by
    /// address and port); nil for any other server, so the token never leaves for another host.
    static func savedAdminToken(_ storeDirectory: String, host: String, port: Int) -> String? {
        guard ListenAddress.isLoopback(host),
              let recorded = try? String(contentsOfFile: addressFile(storeDirectory), encoding: .utf8) else { return nil }
        let parts = recorded.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard parts.count == 2, Int(parts[1]) == port else { return nil }
        let addresses = HostAddress.isLiteral(host) ? [host] : HostAddress.resolve(host)
        guard addresses.contains(parts[0]) else { return nil }
        return (try? String(contentsOfFile: adminTokenFile(storeDirectory), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func prepare(_ store: Store, host: String, storeDirectory: String) throws {
        if ListenAddress.isLoopback(host) {
            let file = adminTokenFile(storeDirectory)
            if try store.ensureAdminToken(file: file) != nil {
                FileHandleOutput.standardError("sluice serve: wrote an admin token to \(file) (mode 0600); the CLI on this machine reads it")
            }
            return
        }
        try requireTokens(store, host: host, storeDirectory: storeDirectory)
    }

    /// Beyond loopback the API is useless without tokens: refuse to start until one exists.
    static func requireTokens(_ store: Store, host: String, storeDirectory: String) throws {
        guard try store.tokens().contains(where: \.isLive) else {
            throw CLIError.input("""
                refusing to listen on \(host): the store has no tokens, so nobody could use the API; \
                create one first: sluice token create --role admin --name NAME --store \(storeDirectory)
                """)
        }
    }
}

/// `HOST:PORT` of `--listen`.
enum ListenAddress {
    static func parse(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen \(text): expected HOST:PORT, e.g. 127.0.0.1:8470")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen \(text): the host is missing, e.g. 127.0.0.1:\(port)") }
        return (host, port)
    }

    /// Loopback by address: a literal 127.x/::1, or `localhost` resolving only to those. A name that merely
    /// looks like loopback (`127.wild.test`) is not: it serves only with tokens.
    static func isLoopback(_ host: String) -> Bool {
        HostAddress.isTrustedLoopback(host)
    }

    /// The numeric address to bind: the host itself when literal, else what it resolves to first (so the
    /// address judged is the address bound).
    static func bindAddress(_ host: String) throws -> String {
        if HostAddress.isLiteral(host) { return host }
        guard let first = HostAddress.resolve(host).first else {
            throw CLIError.input("--listen \(host): the name does not resolve to an address")
        }
        return first
    }
}
