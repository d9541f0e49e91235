import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// Streamed bodies: pod logs followed as they grow, and a reader slower than the server.
@Suite struct ClientStreamTests {
    @Test func followedLogsArriveAsTheContainerWritesThemAndEndWithIt() async throws {
        try await withSim({ $0.components = [ClusterComponent(runCommands: true)] }) { sim, client in
            var pod = podDocument("talker")
            pod["spec"]?["containers"] = [[
                "name": "main", "image": "busybox",
                "command": ["sh", "-c", "for i in 1 2 3 4; do echo line $i; sleep 0.1; done"],
            ]]
            _ = try await client.create(.pods, namespace: "default", pod)
            #expect(await eventually {
                let p = try? await client.get(.pods, namespace: "default", name: "talker")
                return p?["status"]?["phase"] == "Running" || p?["status"]?["phase"] == "Succeeded"
            })
            let stream = try await client.followLogs(namespace: "default", pod: "talker", container: "main")
            var text = ""
            for try await chunk in stream.body { text += String(decoding: chunk, as: UTF8.self) }
            #expect(text == "line 1\nline 2\nline 3\nline 4\n")
            let tail = try await client.logs(namespace: "default", pod: "talker", tailLines: 2)
            #expect(String(decoding: tail, as: UTF8.self) == "line 3\nline 4\n")
            do {
                _ = try await client.logs(namespace: "default", pod: "talker", container: "nope")
                Issue.record("logs of a container that does not exist")
            } catch let error as KubeError {
                #expect(error.statusError?.code == 400)
            }
        }
    }

    @Test func aSlowReaderPausesTheTransferAndLosesNothing() async throws {
        try await withSim { sim, client in
            for i in 0..<150 { _ = try sim.store.create(.pods, namespace: "default", podDocument("p\(i)")) }
            let whole = try await client.request(method: "GET", path: "/api/v1/namespaces/default/pods").body
            #expect(whole.count > 20_000)
            // A 1 KiB window: the transfer pauses many times while the reader naps.
            let streamed = try await client.transport.stream(
                HTTPRequest(url: sim.baseURL + "/api/v1/namespaces/default/pods", timeout: nil), highWater: 1024)
            var bytes: [UInt8] = []
            var chunks = 0
            for try await chunk in streamed.body {
                bytes += chunk
                chunks += 1
                if chunks % 4 == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
            // Lists are built from cached object bytes: the same objects give the same bytes.
            #expect(bytes.count == whole.count)
            #expect(try JSONValue.parse(bytes)["items"]?.arrayValue?.count == 150)
        }
    }

    @Test func aWatchThatOutlivesItsClientCanStillBeEnded() async throws {
        try await withSim { sim, _ in
            var client: KubeClient? = KubeClient(server: sim.baseURL)
            let watch = try await client!.watch(.pods, namespace: "default")
            client = nil
            watch.cancel()
            // Read on a task of its own so that a stream that never ends fails the test instead of hanging it.
            let outcome = Lines()
            Task {
                do {
                    for try await _ in watch {}
                    outcome.add("ended without an error")
                } catch let error as TransportError {
                    outcome.add(error.kind == .cancelled ? "cancelled" : "\(error)")
                } catch {
                    outcome.add("\(error)")
                }
            }
            #expect(await eventually { !outcome.all.isEmpty })
            #expect(outcome.all == ["cancelled"])
        }
    }

    @Test func droppingAStreamEndsTheTransfer() async throws {
        try await withSim { sim, client in
            let watch = try await client.watch(.pods, namespace: "default")
            watch.cancel()
            // Whatever had arrived may still be read; then the stream ends with the cancellation.
            var ended = false
            do {
                for try await _ in watch {}
            } catch let error as TransportError {
                ended = error.kind == .cancelled
            }
            #expect(ended)
        }
    }
}
