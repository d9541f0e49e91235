// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sluice",
    // Linux only (Debian and Ubuntu are what it is built and tested on): the runtime uses Glibc, pidfds, cgroups and
    // /proc, so no Apple platform is declared.
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .executable(name: "kubesim", targets: ["KubeSimCLI"]),
        .library(name: "SluiceModel", targets: ["SluiceModel"]),
        .library(name: "SluiceCompiler", targets: ["SluiceCompiler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Already in the graph through Hummingbird; declared because KubeSim imports their modules itself.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .target(name: "SluiceModel"),
        // Child processes without Foundation's Process (its Linux run() can crash; ChildProcess.swift says why).
        .target(name: "ChildProcess"),
        // The task-plugin protocol (`type: http`, `type: sql`): what a plugin under plugins/ implements and depends on.
        .target(name: "SluicePlugin", dependencies: ["SluiceModel"]),
        // Task plugins, each its own target (docs/plugins.md). HTTP uses SluiceKube's libcurl transport; SQL the system SQLite.
        .target(name: "HTTPTask", dependencies: ["SluicePlugin", "SluiceKube"], path: "plugins/HTTPTask"),
        .target(name: "SQLTask", dependencies: ["SluicePlugin", "CSQLite", "CLibPQ"], path: "plugins/SQLTask", exclude: ["CLibPQ"]),
        // PostgreSQL's libpq for SQLTask's postgres dialect, loaded on first use (dlopen; libpq5 at run time).
        .target(name: "CLibPQ", path: "plugins/SQLTask/CLibPQ", linkerSettings: [.linkedLibrary("dl")]),
        // The HTTP API's wire types (request and reply bodies), shared by the server and the CLI's remote client.
        .target(name: "SluiceAPI", dependencies: ["SluiceModel"]),
        // The pure reconciler: run state + observations + now -> new state + effects. No I/O.
        .target(name: "SluiceEngine", dependencies: ["SluiceModel"]),
        // SQLite persistence (owned by the store; see docs/design/store.md).
        .target(name: "SluiceStore", dependencies: ["SluiceModel", "CSQLite", "CCrypto"], exclude: ["CSQLite", "CCrypto"]),
        // The system libsqlite3 (apt: libsqlite3-dev), for SluiceStore only.
        .systemLibrary(name: "CSQLite", path: "Sources/SluiceStore/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // OpenSSL's libcrypto (apt: libssl-dev): SHA-256 and constant-time compares for API tokens.
        .systemLibrary(name: "CCrypto", path: "Sources/SluiceStore/CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Typed wrappers over libcurl's variadic setopt/getinfo and its callbacks (apt: libcurl4-openssl-dev).
        // libcurl is loaded on first use (curl_loader.c), so the CLI starts without it; the headers come from libcurl4-openssl-dev.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        // The Kubernetes REST client over libcurl: config, typed objects, verbs, watch, informer, leader election.
        .target(
            name: "SluiceKube",
            dependencies: ["CCurl", "SluiceModel", .product(name: "Yams", package: "Yams")]
        ),
        // The Docker Engine API client (Docker and Podman) over a unix socket, on SluiceKube's libcurl transport and JSON.
        .target(name: "DockerEngine", dependencies: ["SluiceKube"]),
        // KubeSim: a Kubernetes API-server double with a simulated kubelet. Tests and development only.
        .target(
            name: "KubeSim",
            dependencies: [
                "ChildProcess",
                "SluiceKube", "SluiceModel", "DockerEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "KubeSimCLI",
            dependencies: ["KubeSim", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Backends and the controller loop.
        .target(
            name: "SluiceRuntime",
            dependencies: ["SluiceModel", "SluicePlugin", "SluiceAPI", "SluiceEngine", "SluiceStore", "SluiceCompiler", "CCrypto", "DockerEngine", "SluiceKube", "SupervisorCore", .product(name: "Logging", package: "swift-log")]
        ),
        // The HTTP API and the run scheduler of `sluice serve`.
        .target(
            name: "SluiceServer",
            dependencies: [
                "SluiceAPI", "SluiceRuntime", "SluiceStore", "SluiceEngine", "SluiceCompiler", "SluiceModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                // The app gateway's client side (connections to replicas).
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // YAMLComposer also imports CYaml, the libyaml target inside the Yams product (Yams exports it as no product
        // of its own, so it cannot be named here): it reads libyaml's events directly for speed.
        .target(
            name: "SluiceCompiler",
            dependencies: ["SluiceModel", "SluicePlugin", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceModel", "SluiceAPI", "SluiceCompiler", "SluiceEngine", "SluiceStore", "SluiceRuntime", "SluiceServer", "DockerEngine",
                "SupervisorCore", "SluiceKube", "SluicePlugin", "HTTPTask", "SQLTask",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Runs one local attempt outside the controller's session and records its end (C, libc only).
        .target(name: "SupervisorCore"),
        // The supervisor as a program of its own, one per local attempt. Static on Linux: no dynamic loading at
        // start (runtime_stubs.c says why that links). `sluice` embeds the same code as a fallback.
        .executableTarget(
            name: "sluice-supervisor", dependencies: ["SupervisorCore"], path: "Sources/sluice-supervisor",
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "sluice-bench-compile",
            dependencies: ["SluiceModel", "SluiceCompiler"],
            path: "bench/CompileBench"
        ),
        .executableTarget(
            name: "sluice-bench-engine",
            dependencies: ["SluiceModel", "SluiceCompiler", "SluiceEngine", "SluiceStore", "SluiceRuntime"],
            path: "bench/EngineBench"
        ),
        .executableTarget(
            name: "sluice-bench-local",
            dependencies: ["SluiceModel", "SluiceCompiler", "SluiceEngine", "SluiceRuntime"],
            path: "bench/LocalBench"
        ),
        .executableTarget(
            name: "sluice-bench-container",
            dependencies: ["DockerEngine", "SluiceModel", "SluiceCompiler", "SluiceEngine", "SluiceRuntime",
                           .product(name: "Logging", package: "swift-log")],
            path: "bench/ContainerBench"
        ),
        // The tiny HTTP app the gateway benchmark (bench/gateway.sh) deploys behind `sluice serve`.
        .executableTarget(
            name: "sluice-bench-gateway-app",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            path: "bench/GatewayBench"
        ),
        .executableTarget(
            name: "sluice-bench-kube",
            dependencies: ["SluiceKube", "KubeSim"],
            path: "bench/KubeBench"
        ),
        .executableTarget(
            name: "sluice-bench-kube-backend",
            dependencies: ["SluiceRuntime", "SluiceEngine", "SluiceModel", "SluiceCompiler", "SluiceKube", "KubeSim", "ChildProcess"],
            path: "bench/KubeBackendBench"
        ),
        .testTarget(name: "DockerEngineTests", dependencies: ["DockerEngine", "SluiceKube"]),
        .testTarget(name: "SluiceKubeTests", dependencies: ["SluiceKube", "KubeSim", "SluiceModel"]),
        .testTarget(name: "KubeSimTests", dependencies: ["KubeSim", "SluiceKube", "DockerEngine"]),
        .testTarget(name: "SluiceModelTests", dependencies: ["SluiceModel"]),
        .testTarget(name: "SluiceCompilerTests", dependencies: ["SluiceCompiler", "SluiceModel"]),
        .testTarget(name: "SluiceCLITests", dependencies: ["SluiceModel", "ChildProcess", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "SluiceEngineTests", dependencies: ["SluiceEngine", "SluiceModel", "SluiceCompiler"]),
        .testTarget(name: "SluiceStoreTests", dependencies: ["SluiceStore", "SluiceModel"]),
        .testTarget(name: "SluiceServerTests", dependencies: [
            "ChildProcess", "SluiceAPI", "SluiceServer", "SluiceRuntime", "SluiceStore", "SluiceModel", "SluicePlugin", "DockerEngine", "SluiceKube", "KubeSim",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KubernetesBackendTests", dependencies: ["SluiceRuntime", "SluiceEngine", "SluiceModel", "SluiceCompiler", "SluiceKube", "KubeSim", "SluiceStore", "SluiceAPI", "SluiceServer", "SluicePlugin"]),
        .testTarget(name: "PluginTests", dependencies: [
            "ChildProcess", "SluicePlugin", "HTTPTask", "SQLTask", "SluiceRuntime", "SluiceEngine", "SluiceCompiler", "SluiceModel", "CSQLite", "KubeSim", "SluiceKube",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SluiceRuntimeTests", dependencies: ["ChildProcess", "SluiceRuntime", "SluiceEngine", "SluiceStore", "SluiceModel", "SluiceCompiler", "DockerEngine", "SluiceKube"]),
    ]
)
