import Foundation
import Testing
@testable import SluiceKube

@Suite struct ConfigLoadTests {
    let folder = ConfigFolder()

    func load(_ paths: [String]? = nil, context: String? = nil, env: [String: String] = [:]) throws(KubeConfigError) -> ClusterConfig {
        try ClusterConfig.load(kubeconfigPaths: paths, context: context, environment: ["HOME": folder.path, "PATH": "/usr/bin:/bin"].merging(env) { $1 })
    }

    @Test func currentContextGivesServerTokenAndNamespace() throws {
        let path = folder.write("config", sampleKubeconfig(namespace: "team-a"))
        let config = try load([path])
        #expect(config.server == "https://k8s.example:6443")
        #expect(try config.credentials.bearerToken() == "abc")
        #expect(config.namespace == "team-a")
        #expect(config.caPEM == nil && !config.insecureSkipTLSVerify)
    }

    @Test func namespaceDefaultsToDefault() throws {
        let config = try load([folder.write("config", sampleKubeconfig())])
        #expect(config.namespace == "default")
    }

    @Test func contextArgumentOverridesCurrentContext() throws {
        let path = folder.write("config", """
            clusters:
            - {name: a, cluster: {server: "https://a:6443"}}
            - {name: b, cluster: {server: "https://b:6443"}}
            contexts:
            - {name: ctx-a, context: {cluster: a}}
            - {name: ctx-b, context: {cluster: b, namespace: bee}}
            current-context: ctx-a
            """)
        #expect(try load([path]).server == "https://a:6443")
        let chosen = try load([path], context: "ctx-b")
        #expect(chosen.server == "https://b:6443")
        #expect(chosen.namespace == "bee")
        #expect(try chosen.credentials.bearerToken() == nil)
    }

    @Test func kubeconfigListMergesWithTheFirstFileWinning() throws {
        folder.write("first", """
            clusters:
            - {name: shared, cluster: {server: "https://first:6443"}}
            users:
            - {name: shared, user: {token: first-token}}
            contexts:
            - {name: one, context: {cluster: shared, user: shared}}
            current-context: one
            """)
        folder.write("second", """
            clusters:
            - {name: shared, cluster: {server: "https://second:6443", insecure-skip-tls-verify: true}}
            - {name: other, cluster: {server: "https://other:6443"}}
            users:
            - {name: shared, user: {token: second-token}}
            contexts:
            - {name: two, context: {cluster: other, user: shared, namespace: second-ns}}
            current-context: two
            """)
        let env = ["KUBECONFIG": "\(folder.path)/first:\(folder.path)/second"]
        let merged = try load(env: env)
        #expect(merged.server == "https://first:6443")
        #expect(!merged.insecureSkipTLSVerify, "a later file's fields do not leak into an entry the first file defined")
        #expect(try merged.credentials.bearerToken() == "first-token")
        let fromSecond = try load(context: "two", env: env)
        #expect(fromSecond.server == "https://other:6443")
        #expect(try fromSecond.credentials.bearerToken() == "first-token")

        let reversed = try load(env: ["KUBECONFIG": "\(folder.path)/second:\(folder.path)/first"])
        #expect(reversed.server == "https://other:6443")
        #expect(reversed.namespace == "second-ns")
    }

    @Test func emptyAndMissingKubeconfigEntriesAreSkipped() throws {
        folder.write("real", sampleKubeconfig(server: "https://real:6443"))
        let config = try load(env: ["KUBECONFIG": "::\(folder.path)/missing::\(folder.path)/real:"])
        #expect(config.server == "https://real:6443")
    }

    @Test func withoutKubeconfigVariableTheHomeFileIsRead() throws {
        folder.write(".kube/config", sampleKubeconfig(server: "https://home:6443"))
        #expect(try load().server == "https://home:6443")
    }

    @Test func noKubeconfigAtAllIsNotFound() throws {
        let error = try #require(configError { try load(env: ["KUBECONFIG": "\(folder.path)/nope"]) })
        #expect(error.kind == .notFound)
        #expect(error.description.contains("\(folder.path)/nope"))
        let explicit = try #require(configError { try load(["\(folder.path)/absent"]) })
        #expect(explicit.kind == .notFound)
        #expect(explicit.file == "\(folder.path)/absent")
    }

    @Test func relativePathsResolveAgainstTheKubeconfigFolder() throws {
        folder.write("site/certs/ca.pem", "CA-PEM")
        folder.write("site/client.crt", "CERT-PEM")
        folder.write("keys/client.key", "KEY-PEM")
        folder.write("site/token", "file-token\n")
        let path = folder.write("site/config", sampleKubeconfig(
            cluster: "certificate-authority: certs/ca.pem",
            user: "client-certificate: client.crt\nclient-key: ../keys/client.key\ntokenFile: ./token"))
        let config = try load([path])
        #expect(config.caPEM == Array("CA-PEM".utf8))
        #expect(config.clientCertificatePEM == Array("CERT-PEM".utf8))
        #expect(config.clientKeyPEM == Array("KEY-PEM".utf8))
        #expect(try config.credentials.bearerToken() == "file-token")
        let file = try KubeConfigFile.read(path)
        #expect(file.users["dev"]?.tokenFile == "\(folder.path)/site/token")
    }

    @Test func base64DataFieldsAreDecoded() throws {
        let config = try load([folder.write("config", sampleKubeconfig(
            cluster: "certificate-authority-data: \(Base64.encode(Array("CA".utf8)))",
            user: "client-certificate-data: Q0VSVA==\nclient-key-data: |\n  S0VZ\n  UEVN"))])
        #expect(config.caPEM == Array("CA".utf8))
        #expect(config.clientCertificatePEM == Array("CERT".utf8))
        #expect(config.clientKeyPEM == Array("KEYPEM".utf8))
        #expect(config.server.hasPrefix("https://"))
    }

    @Test func badBase64NamesTheFileKeyPathAndByte() throws {
        let path = folder.write("config", sampleKubeconfig(user: "client-certificate-data: Q0VSVA==\nclient-key-data: S0V*WQ=="))
        let error = try #require(configError { try load([path]) })
        #expect(error.kind == .invalid)
        #expect(error.file == path)
        #expect(error.keyPath == "users[dev].user.client-key-data")
        #expect(error.line == 12)
        #expect(error.description == "\(path):12: users[dev].user.client-key-data: expected base64 data, found a character outside the base64 alphabet at byte 3")
    }

    @Test func missingContextClusterOrUserIsAnError() throws {
        let path = folder.write("config", """
            clusters:
            - {name: c, cluster: {server: "https://c:6443"}}
            users:
            - {name: u, user: {token: t}}
            contexts:
            - {name: no-cluster, context: {cluster: gone, user: u}}
            - {name: no-user, context: {cluster: c, user: nobody}}
            current-context: nowhere
            """)
        let context = try #require(configError { try load([path]) })
        #expect(context.kind == .notFound)
        #expect(context.description.contains("context \"nowhere\" is not defined in \(path)"))
        let cluster = try #require(configError { try load([path], context: "no-cluster") })
        #expect(cluster.keyPath == "contexts[no-cluster].context.cluster")
        #expect(cluster.description.contains("cluster \"gone\" is not defined"))
        let user = try #require(configError { try load([path], context: "no-user") })
        #expect(user.keyPath == "contexts[no-user].context.user")
        #expect(user.description.contains("user \"nobody\" is not defined"))
        let unset = try #require(configError { try load([folder.write("empty", "clusters: []\n")]) })
        #expect(unset.description.contains("no context chosen"))
    }

    @Test func insecureAloneStaysExplicitAndWithACertificateAuthorityIsRefused() throws {
        let insecure = try load([folder.write("a", sampleKubeconfig(cluster: "insecure-skip-tls-verify: true"))])
        #expect(insecure.insecureSkipTLSVerify)
        #expect(insecure.caPEM == nil)
        let path = folder.write("b", sampleKubeconfig(cluster: "insecure-skip-tls-verify: true\ncertificate-authority-data: Q0E="))
        let error = try #require(configError { try load([path]) })
        #expect(error.keyPath == "clusters[dev].cluster.insecure-skip-tls-verify")
        #expect(error.message.hasPrefix("specifying a root certificates file with the insecure flag is not allowed"))
    }

    @Test func conflictingOrIncompleteTLSSettingsAreRefused() throws {
        folder.write("ca.pem", "CA")
        let both = try #require(configError {
            try load([folder.write("a", sampleKubeconfig(cluster: "certificate-authority: ca.pem\ncertificate-authority-data: Q0E="))])
        })
        #expect(both.keyPath == "clusters[dev].cluster.certificate-authority")
        let unreadable = try #require(configError { try load([folder.write("b", sampleKubeconfig(cluster: "certificate-authority: nope.pem"))]) })
        #expect(unreadable.description.contains("unable to read certificate-authority \(folder.path)/nope.pem"))
        let noKey = try #require(configError { try load([folder.write("c", sampleKubeconfig(user: "client-certificate-data: Q0VSVA=="))]) })
        #expect(noKey.keyPath == "users[dev].user.client-key")
    }

    @Test func valuesOfTheWrongTypeNameTheLine() throws {
        let path = folder.write("a", sampleKubeconfig(cluster: "insecure-skip-tls-verify: maybe"))
        let flag = try #require(configError { try load([path]) })
        #expect(flag.description == "\(path):7: clusters[dev].cluster.insecure-skip-tls-verify: expected true or false, found the string \"maybe\"")
        let number = try #require(configError { try load([folder.write("b", sampleKubeconfig(user: "token: 12345"))]) })
        #expect(number.keyPath == "users[dev].user.token")
        #expect(number.message == "expected a string, found the number 12345 (put it in quotes)")
        let list = try #require(configError { try load([folder.write("c", "clusters: {a: b}\n")]) })
        #expect(list.keyPath == "clusters")
        let yaml = try #require(configError { try load([folder.write("d", "clusters: [\n")]) })
        #expect(yaml.message.hasPrefix("not valid YAML"))
        #expect(!yaml.message.contains("\n"))
        #expect(yaml.line != nil)
        let twice = try #require(configError { try load([folder.write("e", "current-context: a\ncurrent-context: b\n")]) })
        #expect(twice.message == "not valid YAML: the key \"current-context\" appears twice in one mapping")
    }

    @Test func serverURLsAreNormalised() throws {
        #expect(try load([folder.write("a", sampleKubeconfig(server: "https://h:6443/"))]).server == "https://h:6443")
        #expect(try load([folder.write("b", sampleKubeconfig(server: "https://rancher/k8s/clusters/c-1/"))]).server == "https://rancher/k8s/clusters/c-1")
        #expect(try load([folder.write("c", sampleKubeconfig(server: "10.0.0.1:6443", cluster: "tls-server-name: api"))]).server == "https://10.0.0.1:6443")
        #expect(try load([folder.write("d", sampleKubeconfig(server: "localhost:8080"))]).server == "http://localhost:8080")
        #expect(try load([folder.write("e", sampleKubeconfig(server: "https://[fd00::1]:6443"))]).server == "https://[fd00::1]:6443")
        let bad = try #require(configError { try load([folder.write("f", sampleKubeconfig(server: "ftp://h"))]) })
        #expect(bad.keyPath == "clusters[dev].cluster.server")
        let none = try #require(configError { try load([folder.write("g", sampleKubeconfig(server: "\"\""))]) })
        #expect(none.message.hasPrefix("no server found for cluster \"dev\""))
    }

    @Test func unsupportedAuthenticationIsRefusedNotIgnored() throws {
        let error = try #require(configError { try load([folder.write("a", sampleKubeconfig(user: "username: admin\npassword: secret"))]) })
        #expect(error.keyPath == "users[dev].user.username")
        #expect(error.message.contains("basic authentication"))
    }

    @Test func aNameUsedTwiceInOneFileIsRefused() throws {
        let path = folder.write("a", "clusters:\n- {name: x, cluster: {server: \"https://a\"}}\n- {name: x, cluster: {server: \"https://b\"}}\n")
        let error = try #require(configError { try KubeConfigFile.read(path) })
        #expect(error.keyPath == "clusters[x]")
        #expect(error.line == 3)
    }

    @Test func execCommandWithASlashIsResolvedAgainstTheFileFolder() throws {
        let path = folder.write("site/config", sampleKubeconfig(user: """
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: ./bin/plugin
              args: [get-token, --cluster, dev]
              env:
              - {name: REGION, value: eu}
            """))
        let exec = try #require(try KubeConfigFile.read(path).users["dev"]?.exec)
        #expect(exec.command == "\(folder.path)/site/bin/plugin")
        #expect(exec.args == ["get-token", "--cluster", "dev"])
        #expect(exec.env == [.init(name: "REGION", value: "eu")])
        let bare = folder.write("other", sampleKubeconfig(user: "exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}"))
        #expect(try KubeConfigFile.read(bare).users["dev"]?.exec?.command == "aws")
    }

    @Test func execInteractiveModeIsRequiredForV1AndDefaultedForV1beta1() throws {
        let beta = sampleKubeconfig(user: "exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}")
        let file = try KubeConfigFile.read(folder.write("beta", beta))
        let spec = try UserCredentials.execSpec(try #require(file.users["dev"]?.exec), user: "dev", source: file.path)
        #expect(spec.interactiveMode == .ifAvailable)
        let v1 = try #require(configError {
            try load([folder.write("v1", sampleKubeconfig(user: "exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}"))])
        })
        #expect(v1.keyPath == "users[dev].user.exec.interactiveMode")
        let old = try #require(configError {
            try load([folder.write("old", sampleKubeconfig(user: "exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: aws}"))])
        })
        #expect(old.keyPath == "users[dev].user.exec.apiVersion")
        let always = try #require(configError {
            try load([folder.write("always", sampleKubeconfig(user: "exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, interactiveMode: Always}"))])
        })
        #expect(always.message.contains("without a terminal"))
    }

    @Test func proxyAndServerNamePassThrough() throws {
        let config = try load([folder.write("a", sampleKubeconfig(cluster: "proxy-url: socks5://proxy:1080\ntls-server-name: api.internal"))])
        #expect(config.proxyURL == "socks5://proxy:1080")
        #expect(config.tlsServerName == "api.internal")
        #expect(!config.insecureSkipTLSVerify)
    }
}
