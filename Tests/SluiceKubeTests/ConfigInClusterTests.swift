import Foundation
import Testing
@testable import SluiceKube

@Suite struct ConfigInClusterTests {
    let folder = ConfigFolder()
    let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    func serviceAccount(token: String = "sa-token\n", namespace: String? = "jobs\n", ca: Bool = true) -> String {
        folder.write("sa/token", token)
        if let namespace { folder.write("sa/namespace", namespace) }
        if ca { folder.write("sa/ca.crt", certificate) }
        return "\(folder.path)/sa"
    }

    @Test func serviceAccountFolderGivesServerTokenCAAndNamespace() throws {
        let root = serviceAccount()
        let config = try ClusterConfig.inCluster(root: root, environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"])
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.caPEM == Array(certificate.utf8))
        #expect(!config.insecureSkipTLSVerify)
        #expect(try config.credentials.bearerToken() == "sa-token")
        #expect(config.namespace == "jobs")
    }

    @Test func anIPv6ServiceHostIsBracketed() throws {
        let config = try ClusterConfig.inCluster(root: serviceAccount(), environment: ["KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "6443"])
        #expect(config.server == "https://[fd00:10:96::1]:6443")
    }

    @Test func withoutServiceVariablesItIsNotInCluster() throws {
        let error = try #require(configError { try ClusterConfig.inCluster(root: serviceAccount(), environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1"]) })
        #expect(error.kind == .notInCluster)
        #expect(error.message.contains("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"))
        let noToken = try #require(configError {
            try ClusterConfig.inCluster(root: "\(folder.path)/empty", environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"])
        })
        #expect(noToken.kind == .notInCluster)
        #expect(noToken.file == "\(folder.path)/empty/token")
    }

    @Test func namespaceComesFromPodNamespaceThenTheFileThenDefault() throws {
        let env = ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "443"]
        let root = serviceAccount(namespace: nil, ca: false)
        let bare = try ClusterConfig.inCluster(root: root, environment: env)
        #expect(bare.namespace == "default")
        #expect(bare.caPEM == nil, "no ca.crt leaves the system CAs in charge, verification stays on")
        #expect(!bare.insecureSkipTLSVerify)
        folder.write("sa/namespace", "from-file")
        #expect(try ClusterConfig.inCluster(root: root, environment: env).namespace == "from-file")
        let pod = try ClusterConfig.inCluster(root: root, environment: env.merging(["POD_NAMESPACE": "from-env"]) { $1 })
        #expect(pod.namespace == "from-env")
    }

    @Test func automaticPrefersTheClusterWhenTheTokenExists() throws {
        let root = serviceAccount()
        folder.write(".kube/config", sampleKubeconfig(server: "https://from-kubeconfig:6443"))
        let inside = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443", "HOME": folder.path]
        #expect(try ClusterConfig.automatic(environment: inside, serviceAccountRoot: root).server == "https://10.0.0.1:443")
        let noToken = try ClusterConfig.automatic(environment: inside, serviceAccountRoot: "\(folder.path)/none")
        #expect(noToken.server == "https://from-kubeconfig:6443")
        let outside = try ClusterConfig.automatic(environment: ["HOME": folder.path], serviceAccountRoot: root)
        #expect(outside.server == "https://from-kubeconfig:6443")
    }
}
