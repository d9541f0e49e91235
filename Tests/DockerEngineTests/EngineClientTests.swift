import DockerEngine
import Foundation
import Testing

/// The engine the tests use: `$DOCKER_HOST` or the usual sockets. Without one the tests are skipped with a
/// reason, except under CI (`CI=true`), where they run and fail.
enum TestEngine {
    static let reason: Comment = "no container engine answers: run scripts/container-engine.sh and export the DOCKER_HOST it prints"

    static func available() async -> Bool {
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        return await EngineDiscovery.run(explicit: nil).found != nil
    }

    static func client() async throws -> EngineClient {
        let discovery = await EngineDiscovery.run(explicit: nil)
        guard let found = discovery.found else { throw EngineError(status: nil, message: discovery.failure, call: "discovery") }
        return EngineClient(endpoint: found.endpoint)
    }
}

@Suite(.enabled(TestEngine.reason) { await TestEngine.available() })
struct EngineClientTests {
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }

    @Test func aContainerRunsItsLogsStayApartAndASecondCreateConflicts() async throws {
        let client = try await TestEngine.client()
        let name = Self.unique("sluice-client-test")
        let run = Self.unique("r")
        var config = ContainerConfig(image: "busybox:1.36")
        config.cmd = ["sh", "-c", "echo out; echo err >&2; exit 7"]
        config.labels = ["sluice.dev/managed": "true", "sluice.dev/run": run]
        let events = try await client.events(labels: ["sluice.dev/run": run])
        let id = try await client.createContainer(name: name, config)
        await #expect(throws: EngineError.self) { _ = try await client.createContainer(name: name, config) }
        do { _ = try await client.createContainer(name: name, config) } catch let e as EngineError { #expect(e.isConflict) }
        try await client.startContainer(id)
        var died: EngineEvent?
        for try await e in events where e.action == .died {
            died = e
            break
        }
        #expect(died?.id == id)
        #expect(died?.attributes["name"] == name)
        let info = try #require(try await client.inspectContainer(name))
        #expect(info.exitCode == 7 && !info.running && info.hasExited)
        var out = "", err = ""
        for try await frame in client.logs(id, follow: false) {
            if frame.stream == .stdout { out += String(decoding: frame.bytes, as: UTF8.self) } else { err += String(decoding: frame.bytes, as: UTF8.self) }
        }
        #expect(out == "out\n" && err == "err\n")
        let listed = try await client.listContainers(labels: ["sluice.dev/run": run])
        #expect(listed.map(\.name) == [name])
        #expect(try await client.listContainers(labels: ["sluice.dev/run": run + "-other"]).isEmpty)
        #expect(try await client.removeContainer(id, force: true))
        #expect(try await client.inspectContainer(id) == nil)
        #expect(try await !client.removeContainer(id))
    }

    @Test func stopHonoursTheGraceAndWaitReturnsTheCode() async throws {
        let client = try await TestEngine.client()
        var config = ContainerConfig(image: "busybox:1.36")
        config.cmd = ["sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done"]
        let id = try await client.createContainer(name: Self.unique("sluice-client-stop"), config)
        try await client.startContainer(id)
        try await client.stopContainer(id, timeoutSeconds: 30)
        #expect(try await client.waitContainer(id) == 42)
        try await client.removeContainer(id, force: true)
    }

    @Test func anImportedImageKeepsItsTagAndAMissingOneFailsToPullWithTheEngineMessage() async throws {
        let client = try await TestEngine.client()
        let tag = "sluice-import-test:\(UInt16.random(in: 1...9999))"
        // A one-file root file system: an uncompressed tar made here.
        let tar = TarWriter.single(name: "hello.txt", contents: Array("hi\n".utf8))
        try await client.importImage(tar, reference: tag, changes: ["CMD [\"/hello.txt\"]"])
        #expect(try await client.imageExists(tag))
        try await client.removeImage(tag, force: true)
        await #expect(throws: EngineError.self) { try await client.pullImage("registry.invalid/none:1", auth: nil) }
    }

    @Test func theBridgeNetworkHasAnIPv4GatewayAndAMissingNetworkIsNil() async throws {
        let client = try await TestEngine.client()
        let bridge = try #require(try await client.network("bridge"), "Docker's default network; Podman answers for its own under that name")
        #expect(bridge.driver == "bridge", "\(bridge)")
        #expect(bridge.gateways.contains { $0.split(separator: ".").count == 4 }, "\(bridge)")
        #expect(try await client.network(Self.unique("sluice-no-such-network")) == nil)
    }

    @Test func versionNamesTheEngine() async throws {
        let v = try await TestEngine.client().version()
        #expect(!v.apiVersion.isEmpty && v.apiVersion != "?")
    }
}

/// A minimal ustar archive with one regular file, for image import tests.
enum TarWriter {
    static func single(name: String, contents: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int) { for (i, b) in s.utf8.enumerated() { header[at + i] = b } }
        put(name, 0)
        put("0000644\0", 100)
        put("0000000\0", 108)
        put("0000000\0", 116)
        put(String(format: "%011o\0", contents.count), 124)
        put("00000000000\0", 136)
        put("        ", 148)
        header[156] = UInt8(ascii: "0")
        put("ustar\0", 257)
        put("00", 263)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o\0 ", sum), 148)
        let padded = contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
        return header + padded + [UInt8](repeating: 0, count: 1024)
    }
}
