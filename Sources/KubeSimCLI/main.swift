import ArgumentParser
import Foundation
import KubeSim

/// `kubesim`: runs the Kubernetes API-server double until SIGTERM or SIGINT.
struct KubeSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubesim",
        abstract: "A Kubernetes API-server double for tests: real paths, verbs, watches, Status errors and faults.")

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "127.0.0.1:0"

    @Flag(help: "Serve HTTPS with a generated CA, server and client certificate; client certificates authenticate.")
    var tls = false

    @Option(help: "Directory for the generated certificates (default: a new temporary directory).")
    var certDir: String?

    @Option(help: "Write a kubeconfig for this server to this path.")
    var writeKubeconfig: String?

    @Option(help: "User (certificate CN) of the generated client certificate and of the kubeconfig.")
    var clientCertUser: String?

    @Option(help: "Events kept for watches that resume from a resourceVersion; older ones get 410 Expired.")
    var watchHistory = 1000

    @Option(help: "Writes kept in the write log (GET /kubesim/writes); the oldest go first.")
    var writeLog = 100_000

    @Option(name: .customLong("watch-410"), help: "How a too-old watch fails: 'error' (an ERROR event, like the real server) or 'plain' (HTTP 410).")
    var watch410 = "error"

    @Option(help: "Seconds between BOOKMARK events on watches that allow them (real servers: about 60).")
    var bookmarkInterval = 1.0

    @Flag(help: "Let the simulated kubelet run container commands.")
    var runCommands = false

    @Option(help: "Where --run-commands runs containers: 'engine' (a Docker Engine API: Docker or Podman), 'host' (local processes) or 'auto' (the engine when one answers, else local processes).")
    var runtime = "auto"

    @Option(help: "The engine's socket for --runtime engine/auto, unix:///PATH (default: DOCKER_HOST, then Docker's and Podman's usual sockets).")
    var engine: String?

    @Option(help: ArgumentHelp("A node of the simulated cluster (repeatable; replaces the default node): NAME[,RESOURCE=QUANTITY...][,label:KEY=VALUE...][,taint:KEY[=VALUE]:EFFECT...].",
                               discussion: "e.g. gpu-1,cpu=16,memory=64Gi,nvidia.com/gpu=4,taint:nvidia.com/gpu=present:NoSchedule. Unnamed resources keep the defaults: cpu=4, memory=16Gi, pods=110."))
    var node: [String] = []

    @Option(help: "A JSON file with an array of nodes ({name, capacity, labels, taints, hostIP}); added after the --node ones.")
    var nodesFile: String?

    @Option(help: "An image the simulated registries have (repeatable): NAME[:TAG], '*' matches any characters; without a tag every tag. Added to the built-in list of common public images.")
    var image: [String] = []

    @Option(help: "A file of images the simulated registries have, one pattern a line ('#' comments); 'user=UID' after a pattern is the user the image runs as (root otherwise), which runAsNonRoot checks.")
    var imagesFile: String?

    @Flag(help: "Every well-formed image pulls (no ErrImagePull); only InvalidImageName remains.")
    var anyImage = false

    @Flag(help: "The registries have only the --image / --images-file images, not the built-in list.")
    var noBuiltinImages = false

    @Option(help: "Seconds of the kubelet's first back-off for image pulls and CrashLoopBackOff (doubles each time).")
    var backoffInitial = 10.0

    @Option(help: "Seconds the kubelet's back-off grows to at most.")
    var backoffMax = 300.0

    @Option(help: "A bearer token and its user, TOKEN=USER (repeatable). Any token turns authentication on.")
    var token: [String] = []

    @Option(help: "A user that may only get, list and watch (repeatable).")
    var readonlyUser: [String] = []

    @Option(help: "A fault, '[METHOD ]PATH:ACTION[:retry-after=S][:count=N]', ACTION = status, delay=S, drop-after=N or close-after=N (repeatable).")
    var fault: [String] = []

    func validate() throws {
        guard listen.split(separator: ":").count == 2, Int(listen.split(separator: ":")[1]) != nil else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:6443")
        }
        guard Watch410Mode(rawValue: watch410) != nil else { throw ValidationError("--watch-410 must be 'error' or 'plain'") }
        guard ContainerRuntimeChoice(rawValue: runtime) != nil else {
            throw ValidationError("--runtime must be 'auto', 'engine' or 'host', got '\(runtime)'")
        }
        guard watchHistory > 0 else { throw ValidationError("--watch-history must be at least 1") }
        guard writeLog > 0 else { throw ValidationError("--write-log must be at least 1") }
        guard bookmarkInterval > 0 else { throw ValidationError("--bookmark-interval must be more than 0 seconds") }
        for t in token where !t.contains("=") { throw ValidationError("--token must be TOKEN=USER, got '\(t)'") }
        for f in fault {
            do { _ = try FaultRule(parsing: f) } catch { throw ValidationError("\(error)") }
        }
        guard backoffInitial > 0, backoffMax >= backoffInitial else {
            throw ValidationError("--backoff-initial must be more than 0 and at most --backoff-max")
        }
        _ = try imageRegistry()
        let nodes = try simulatedNodes()
        if Set(nodes.map(\.name)).count != nodes.count { throw ValidationError("--node and --nodes-file name a node twice") }
    }

    /// The simulated registries from --image, --images-file, --any-image and --no-builtin-images.
    func imageRegistry() throws -> ImageRegistry {
        var patterns = noBuiltinImages ? [] : ImageRegistry.commonImages
        patterns += image
        var users = ImageRegistry.knownUsers
        if let imagesFile {
            do {
                patterns += try ImageRegistry.patterns(file: imagesFile)
                users.merge(try ImageRegistry.users(file: imagesFile)) { _, file in file }
            } catch {
                throw ValidationError("--images-file \(imagesFile): \(error.localizedDescription)")
            }
        }
        var registry = ImageRegistry(patterns: patterns, acceptsAll: anyImage)
        registry.users = users
        return registry
    }

    /// The nodes from --node and --nodes-file, or the default single node.
    func simulatedNodes() throws -> [SimulatedNode] {
        var nodes: [SimulatedNode] = []
        do {
            for (i, text) in node.enumerated() { nodes.append(try NodeConfig.parse(flag: text, index: i)) }
            if let nodesFile { nodes += try NodeConfig.parse(file: nodesFile, firstIndex: nodes.count) }
        } catch { throw ValidationError(error.description) }
        return nodes.isEmpty ? [SimulatedNode()] : nodes
    }

    /// Starts the server and runs until a signal.
    func serve() async throws {
        signal(SIGPIPE, SIG_IGN)
        var options = KubeSimOptions()
        let parts = listen.split(separator: ":")
        options.host = String(parts[0])
        options.port = Int(parts[1]) ?? 0
        options.tls = tls
        options.certDirectory = certDir
        options.kubeconfigPath = writeKubeconfig
        options.clientCertUser = clientCertUser
        options.watchHistory = watchHistory
        options.writeLogLimit = writeLog
        options.watch410 = Watch410Mode(rawValue: watch410) ?? .error
        options.bookmarkInterval = .milliseconds(Int64(bookmarkInterval * 1000))
        options.runCommands = runCommands
        options.runtime = ContainerRuntimeChoice(rawValue: runtime) ?? .auto
        options.engineAddress = engine
        if runCommands, options.runtime == .engine {
            do { try await options.runtime.check(engineAddress: engine) } catch { throw ValidationError("\(error)") }
        }
        options.nodes = try simulatedNodes()
        options.images = try imageRegistry()
        options.backoff = KubeletBackoff(initial: .milliseconds(Int64(backoffInitial * 1000)),
                                         maximum: .milliseconds(Int64(backoffMax * 1000)))
        options.readonlyUsers = Set(readonlyUser)
        for t in token {
            let kv = t.split(separator: "=", maxSplits: 1).map(String.init)
            options.tokens[kv[0]] = kv[1]
        }
        options.faults = try fault.map { try FaultRule(parsing: $0) }
        options.components = KubeSimComponents.builtIn(options)
        let stopSignal = SignalWaiter([SIGTERM, SIGINT])
        let server = try await KubeSim.start(options)
        FileHandle.standardOutput.write(Data("kubesim: listening on \(server.baseURL)\n".utf8))
        await stopSignal.wait()
        FileHandle.standardError.write(Data("kubesim: stopping\n".utf8))
        await server.stop()
        FileHandle.standardError.write(Data("kubesim: stopped\n".utf8))
    }

}

/// Waits for the first of some signals; they are ignored by default handling from creation on.
final class SignalWaiter: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "kubesim.signals")

    init(_ signals: [Int32]) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in self?.fire() }
            source.resume()
            sources.append(source)
        }
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if fired { return true }
                continuation = c
                return false
            }
            if now { c.resume() }
        }
    }

    private func fire() {
        let c = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            fired = true
            defer { continuation = nil }
            return continuation
        }
        c?.resume()
    }
}

let command = KubeSimCommand.parseOrExit()
do {
    try await command.serve()
} catch {
    KubeSimCommand.exit(withError: error)
}
