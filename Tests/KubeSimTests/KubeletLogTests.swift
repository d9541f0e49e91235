import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// Container logs as the pods/log route reads them.
struct KubeletLogTests {
    typealias F = KubeletFixtures

    static func collect(_ stream: PodLogStream) async -> String {
        var bytes: [UInt8] = []
        for await chunk in stream { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func tailLinesKeepsTheLastLines() async {
        let log = ContainerLog()
        log.append("one\ntwo\nthree\n")
        #expect(await Self.collect(log.stream(tailLines: 2, follow: false)) == "two\nthree\n")
        #expect(await Self.collect(log.stream(tailLines: 0, follow: false)) == "")
        #expect(await Self.collect(log.stream(tailLines: nil, follow: false)) == "one\ntwo\nthree\n")
        log.append("four")
        #expect(await Self.collect(log.stream(tailLines: 1, follow: false)) == "four")
    }

    @Test func timestampsPrefixEachLineWithWhenItStarted() async {
        let log = ContainerLog()
        log.append("a\nb", at: F.t0)
        log.append("c\n", at: F.t0.addingTimeInterval(1.25))
        log.append("d\n", at: F.t0.addingTimeInterval(2))
        let stamped = await Self.collect(log.stream(tailLines: nil, follow: false, timestamps: true))
        #expect(stamped == "2026-11-18T11:06:40Z a\n2026-11-18T11:06:40Z bc\n2026-11-18T11:06:42Z d\n")
        let recent = await Self.collect(log.stream(tailLines: nil, follow: false, since: F.t0.addingTimeInterval(1)))
        #expect(recent == "d\n")
        #expect(KubeTime.formatNano(F.t0.addingTimeInterval(1.25)) == "2026-11-18T11:06:41.25Z")
    }

    @Test func rotationKeepsWholeStampedLines() async {
        let log = ContainerLog()
        let block = Array(repeating: Array("abcd\n".utf8), count: 100_000).flatMap { $0 }
        for i in 0..<10 { log.append(block, at: F.t0.addingTimeInterval(Double(i))) }
        #expect(log.bytes.count <= ContainerLog.maxBytes)
        let stamped = await Self.collect(log.stream(tailLines: 2, follow: false, timestamps: true))
        #expect(stamped == "2026-11-18T11:06:49Z abcd\n2026-11-18T11:06:49Z abcd\n")
        let first = await Self.collect(log.stream(tailLines: nil, follow: false, timestamps: true)).prefix(26)
        #expect(first.hasSuffix("Z abcd\n"))
    }

    @Test func followedTimestampsStampNewLines() async {
        let log = ContainerLog()
        let stream = log.stream(tailLines: nil, follow: true, timestamps: true)
        log.append("x\ny", at: F.t0)
        log.append("z\n", at: F.t0.addingTimeInterval(3))
        log.end()
        #expect(await Self.collect(stream) == "2026-11-18T11:06:40Z x\n2026-11-18T11:06:40Z yz\n")
    }

    @Test func followReceivesNewOutputUntilTheContainerEnds() async {
        let log = ContainerLog()
        log.append("before\n")
        let stream = log.stream(tailLines: nil, follow: true)
        log.append("after\n")
        log.end()
        #expect(await Self.collect(stream) == "before\nafter\n")
    }

    @Test func simulatedPodLogNamesThePodAndEndsWithIt() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod())
        await kubelet.reconcileAll(now: F.t0)
        #expect(throws: SimStatusError.self) {
            try kubelet.logs.logs(namespace: "default", pod: "job-1", container: nil, previous: false, tailLines: nil, follow: false)
        }
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(0.1))
        let followed = try kubelet.logs.logs(namespace: "default", pod: "job-1", container: nil, previous: false,
                                             tailLines: nil, follow: true)
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(1))
        let text = await Self.collect(followed)
        #expect(text.contains("container main of pod default/job-1 started"))
        #expect(text.contains("exited with code 0"))
    }

    @Test func annotationLogReplacesTheSyntheticLines() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["log": "step 1\nstep 2"]))
        await F.advance(kubelet)
        let stream = try kubelet.logs.logs(namespace: "default", pod: "job-1", container: "main", previous: false,
                                           tailLines: 1, follow: false)
        #expect(await Self.collect(stream) == "step 2\n")
    }

    @Test func crashLoopingContainerShowsItsLastRunAsCurrentAndPrevious() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(restartPolicy: "Always", annotations: ["outcome": "Failed", "log": "boom"]))
        await F.advance(kubelet)
        for previous in [false, true] {
            let stream = try kubelet.logs.logs(namespace: "default", pod: "job-1", container: nil, previous: previous,
                                               tailLines: nil, follow: true)
            #expect(await Self.collect(stream) == "boom\n")
        }
    }

    @Test func logErrorsAreTheServersOwn() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        let two: [JSONValue] = [["name": "a", "image": "busybox"], ["name": "b", "image": "busybox"]]
        try store.create(.pods, namespace: "default", F.pod(containers: two))
        await kubelet.reconcileAll(now: F.t0)
        do {
            _ = try kubelet.logs.logs(namespace: "default", pod: "job-1", container: nil, previous: false, tailLines: nil, follow: false)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == 400)
            #expect(error.message == "a container name must be specified for pod job-1, choose one of: [a b]")
        }
        do {
            _ = try kubelet.logs.logs(namespace: "default", pod: "nope", container: nil, previous: false, tailLines: nil, follow: false)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == 404)
        }
    }

    static func request(_ pod: String, limitBytes: Int64? = nil) -> PodLogRequest {
        PodLogRequest(namespace: "default", pod: pod, container: "main", follow: false, tailLines: nil, sinceSeconds: nil,
                      timestamps: false, previous: false, limitBytes: limitBytes)
    }

    @Test func routeSourceHonoursLimitBytes() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["log": "0123456789"]))
        await F.advance(kubelet)
        let pod = try #require(store.get(.pods, namespace: "default", name: "job-1"))
        let stream = try await kubelet.logs.logs(Self.request("job-1", limitBytes: 4), pod: pod)
        #expect(await Self.collect(stream) == "0123")
    }

    @Test func routeSourceSaysWaitingForAPodTheKubeletHasNotSeen() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        let pod = try store.create(.pods, namespace: "default", F.pod())
        do {
            _ = try await kubelet.logs.logs(Self.request("job-1"), pod: pod)
            Issue.record("expected an error")
        } catch let error as SimStatusError {
            #expect(error.code == 400)
            #expect(error.message == "container \"main\" in pod \"job-1\" is waiting to start: ContainerCreating")
        }
    }
}
