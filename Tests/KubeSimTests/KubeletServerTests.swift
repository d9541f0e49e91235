import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SluiceKube
import Testing
@testable import KubeSim

/// The kubelet and controllers as a component of a running KubeSim server.
struct KubeletServerTests {
    typealias F = KubeletFixtures

    static func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func podLogRouteServesTheKubeletsLogs() async throws {
        var options = KubeSimOptions()
        options.components = KubeSimComponents.builtIn(options)
        let server = try await KubeSim.start(options)
        try server.store.create(.pods, namespace: "default", F.pod(annotations: ["log": "line 1\nline 2"]))
        let done = await KubeletWait.until {
            server.store.get(.pods, namespace: "default", name: "job-1")?.object["status"]?["phase"] == "Succeeded"
        }
        #expect(done)
        let (code, body) = try await Self.get("\(server.baseURL)/api/v1/namespaces/default/pods/job-1/log?tailLines=1")
        #expect(code == 200)
        #expect(body == "line 2\n")
        let (missing, _) = try await Self.get("\(server.baseURL)/api/v1/namespaces/default/pods/nope/log")
        #expect(missing == 404)
        await server.stop()
    }

    @Test func runCommandsOptionRunsContainerCommandsBehindTheServer() async throws {
        var options = KubeSimOptions()
        options.runCommands = true
        options.components = KubeSimComponents.builtIn(options)
        let server = try await KubeSim.start(options)
        let containers: [JSONValue] = [["name": "main", "image": "busybox", "command": ["/bin/sh", "-c", "echo real output; exit 7"]]]
        try server.store.create(.pods, namespace: "default", F.pod(containers: containers))
        let failed = await KubeletWait.until {
            server.store.get(.pods, namespace: "default", name: "job-1")?.object["status"]?["phase"] == "Failed"
        }
        #expect(failed)
        let status = server.store.get(.pods, namespace: "default", name: "job-1")?.object["status"]
        #expect(status?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]?["exitCode"] == 7)
        let (code, body) = try await Self.get("\(server.baseURL)/api/v1/namespaces/default/pods/job-1/log?follow=true")
        #expect(code == 200)
        #expect(body == "real output\n")
        await server.stop()
    }
}
