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
