import Foundation
import DockerEngine
import SluiceKube
import Testing

@Suite struct LogDemuxerTests {
    static func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let n = UInt32(payload.count)
        return [stream, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
    }

    @Test func framesSplitAnywhereComeOutWholeAndApart() {
        let bytes = Self.frame(1, "out one\n") + Self.frame(2, "err\n") + Self.frame(1, String(repeating: "x", count: 300))
        for cut in [1, 3, 7, 8, 9, 15, 20, 100] {
            var d = LogDemuxer()
            var frames: [LogFrame] = []
            var at = 0
            while at < bytes.count {
                frames += d.feed(bytes[at..<min(bytes.count, at + cut)])
                at += cut
            }
            #expect(frames.map(\.stream) == [.stdout, .stderr, .stdout])
            #expect(String(decoding: frames[0].bytes, as: UTF8.self) == "out one\n")
            #expect(String(decoding: frames[1].bytes, as: UTF8.self) == "err\n")
            #expect(frames[2].bytes.count == 300)
            #expect(d.bufferedBytes == 0)
        }
    }

    @Test func aHalfFrameWaitsForItsRest() {
        var d = LogDemuxer()
        let f = Self.frame(2, "hello")
        #expect(d.feed(f.prefix(10)).isEmpty)
        #expect(d.bufferedBytes == 10)
        #expect(d.feed(f.dropFirst(10)).map(\.bytes) == [Array("hello".utf8)])
    }
}

@Suite struct EngineWordsTests {
    @Test func podmanAndDockerEventWordsMeanTheSame() throws {
        let podman = try JSONValue.parse(#"{"status":"died","id":"abc","Type":"container","Action":"died","Actor":{"ID":"abc","Attributes":{"containerExitCode":"137","sluice.dev/run":"r1"}},"timeNano":1700000000000000000}"#)
        let docker = try JSONValue.parse(#"{"status":"die","id":"abc","Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"137","sluice.dev/run":"r1"}},"time":1700000000}"#)
        for v in [podman, docker] {
            let e = try #require(EngineEvent(v))
            #expect(e.action == .died)
            #expect(e.exitCode == 137)
            #expect(e.attributes["sluice.dev/run"] == "r1")
        }
        #expect(EngineEvent.Action(engineWord: "remove") == .destroyed)
        #expect(EngineEvent.Action(engineWord: "destroy") == .destroyed)
        #expect(EngineEvent(try JSONValue.parse(#"{"Type":"image","Action":"pull"}"#)) == nil)
    }

    @Test func endpointsComeFromTheFlagThenDockerHostThenTheUsualSockets() {
        let flag = EngineEndpoint.candidates(explicit: "unix:///tmp/x.sock", environment: ["DOCKER_HOST": "unix:///y"])
        #expect(flag.map(\.address) == ["unix:///tmp/x.sock"])
        let host = EngineEndpoint.candidates(explicit: nil, environment: ["DOCKER_HOST": "tcp://1.2.3.4:2375"])
        #expect(host.count == 1 && host[0].endpoint == nil && host[0].problem != nil)
        let usual = EngineEndpoint.candidates(explicit: nil, environment: ["XDG_RUNTIME_DIR": "/run/user/7"])
        #expect(usual.compactMap(\.endpoint?.socketPath) == ["/var/run/docker.sock", "/run/podman/podman.sock", "/run/user/7/podman/podman.sock"])
    }

    @Test func registryAuthComesFromTheDockerConfigFile() throws {
        let dir = "/tmp/sluice-docker-config-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let auth = Data("ada:secret".utf8).base64EncodedString()
        try #"{"auths":{"registry.example.com":{"auth":"\#(auth)"},"https://index.docker.io/v1/":{"auth":"\#(auth)"}}}"#
            .write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        let env = ["DOCKER_CONFIG": dir]
        let a = try #require(RegistryAuth.fromDockerConfig(image: "registry.example.com/team/train:1", environment: env))
        #expect(a.username == "ada" && a.password == "secret" && a.serverAddress == "registry.example.com")
        #expect(RegistryAuth.fromDockerConfig(image: "busybox:1.36", environment: env)?.serverAddress == "https://index.docker.io/v1/")
        #expect(RegistryAuth.fromDockerConfig(image: "other.example.org/x", environment: env) == nil)
        let header = try #require(Data(base64Encoded: a.header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")))
        #expect(try JSONValue.parse(Array(header))["username"]?.stringValue == "ada")
    }

    @Test func configJSONUsesTheEngineFieldNames() {
        var c = ContainerConfig(image: "busybox:1.36")
        c.cmd = ["sh", "-c", "true"]
        c.labels = ["sluice.dev/run": "r"]
        c.host.memory = 64 << 20
        c.host.nanoCpus = 500_000_000
        c.host.gpus = ("nvidia", 1)
        let j = c.json
        #expect(j["HostConfig"]?["Memory"]?.intValue == 64 << 20)
        #expect(j["HostConfig"]?["NanoCpus"]?.intValue == 500_000_000)
        #expect(j["HostConfig"]?["NetworkMode"]?.stringValue == "none")
        #expect(j["HostConfig"]?["DeviceRequests"]?.arrayValue?.first?["Driver"]?.stringValue == "nvidia")
        #expect(j["Labels"]?["sluice.dev/run"]?.stringValue == "r")
    }
}
