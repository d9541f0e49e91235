import Foundation
import Testing
@testable import SluiceKube

@Suite struct RateLimiterTests {
    @Test func burstIsFreeThenTokensComeAtQPS() {
        let clock = ManualClock().kube
        let limiter = RateLimiter(qps: 10, burst: 3, clock: clock)
        let start = clock.now
        #expect(limiter.reserve(now: start) == .zero)
        #expect(limiter.reserve(now: start) == .zero)
        #expect(limiter.reserve(now: start) == .zero)
        // The fourth and fifth wait one and two tenths of a second: reservations queue up.
        let fourth = limiter.reserve(now: start), fifth = limiter.reserve(now: start)
        #expect(fourth > .milliseconds(99) && fourth < .milliseconds(101))
        #expect(fifth > .milliseconds(199) && fifth < .milliseconds(201))
        // A second later the debt is paid and 8 tokens have come back (capped at the burst of 3).
        #expect(limiter.reserve(now: start + .seconds(1)) == .zero)
    }

    @Test func aRequestWaitsForItsTokenOnTheLimitersClock() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(qps: 10, burst: 1, clock: clock.kube)
        try await limiter.acquire()
        let second = Task { try await limiter.acquire() }
        #expect(await eventually { clock.sleepers == 1 })
        #expect(clock.slept == [.milliseconds(100)])
        clock.advance(by: .milliseconds(100))
        try await second.value
    }

    @Test func zeroQPSMeansNoLimit() {
        let limiter = RateLimiter(qps: 0, burst: 1)
        for _ in 0..<100 { #expect(limiter.reserve() == .zero) }
    }
}

@Suite struct StatusErrorTests {
    static func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(head: HTTPHead(status: status, headers: []), body: Array(body.utf8))
    }

    @Test func invalidStatusKeepsReasonMessageAndCauses() {
        let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"x\" is invalid: spec.containers[0].name: Required value","reason":"Invalid","details":{"name":"x","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers[0].name"}]},"code":422}"#
        let error = KubeStatusError(method: "POST", path: "/api/v1/namespaces/default/pods", response: Self.response(422, body))
        #expect(error.reason == "Invalid")
        #expect(error.code == 422)
        #expect(error.name == "x")
        #expect(error.causes == [.init(reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].name")])
        #expect(KubeError.status(error).isInvalid)
        #expect(error.description.hasPrefix(#"POST /api/v1/namespaces/default/pods: Pod "x" is invalid"#))
    }

    @Test func bareStatusCodeGetsAReason() {
        let error = KubeStatusError(method: "GET", path: "/x", response: Self.response(410, "gone away"))
        #expect(error.reason == "Gone")
        #expect(KubeError.status(error).isGone)
        #expect(error.message == "HTTP 410: gone away")
    }

    @Test func conflictIsNotAlreadyExists() {
        let exists = KubeStatusError(method: "POST", path: "/p", response: Self.response(409,
            #"{"kind":"Status","status":"Failure","message":"pods \"x\" already exists","reason":"AlreadyExists","code":409}"#))
        #expect(KubeError.status(exists).isAlreadyExists)
        #expect(!KubeError.status(exists).isConflict)
    }
}

@Suite struct WatchDecoderTests {
    /// A watch response as the API server sends it: one event per line, BOOKMARK and ERROR included.
    static let recorded: [UInt8] = Array("""
    {"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"default","resourceVersion":"11"},"spec":{"containers":[{"name":"c","image":"busybox","command":["sh","-c","echo \\"}{\\""]}]}}}
    {"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"default","resourceVersion":"12"},"status":{"phase":"Running"}}}
    {"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"15"}}}
    {"type":"DELETED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"default","resourceVersion":"16"}}}
    {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 3 (16)","reason":"Expired","code":410}}

    """.utf8)

    static func decode(cuts: [Int]) throws -> [WatchUpdate] {
        var decoder = WatchDecoder()
        var events: [WatchUpdate] = []
        var start = 0
        for cut in cuts + [recorded.count] {
            try decoder.feed(Array(recorded[start..<cut]), into: &events)
            start = cut
        }
        #expect(decoder.bufferedBytes == 0)
        return events
    }

    @Test func decodesEveryEventType() throws {
        let events = try Self.decode(cuts: [])
        #expect(events.map(\.kind) == [.added, .modified, .bookmark, .deleted, .error])
        #expect(events.map(\.resourceVersion) == ["11", "12", "15", "16", ""])
        #expect(events[0].object["spec"]?["containers"]?.arrayValue?[0]["command"]?.arrayValue?[2] == #"echo "}{""#)
        #expect(events[4].object["code"] == 410)
    }

    @Test func splittingTheStreamAtEveryByteChangesNothing() throws {
        let whole = try Self.decode(cuts: []).map { $0.object }
        for cut in 1..<Self.recorded.count {
            #expect(try Self.decode(cuts: [cut]).map { $0.object } == whole, "split at byte \(cut)")
        }
        #expect(try Self.decode(cuts: Array(1..<Self.recorded.count)).map { $0.object } == whole)
    }

    @Test func anEventWithoutTypeIsAnError() {
        var decoder = WatchDecoder()
        var events: [WatchUpdate] = []
        #expect(throws: JSONError.self) { try decoder.feed(Array(#"{"object":{}}"#.utf8), into: &events) }
    }
}

@Suite struct PathTests {
    @Test func pathsFollowTheAPILayout() {
        #expect(ResourceType.pods.path(namespace: "ns", name: "p", subresource: "log") == "/api/v1/namespaces/ns/pods/p/log")
        #expect(ResourceType.pods.path(namespace: nil) == "/api/v1/pods")
        #expect(ResourceType.deployments.path(namespace: "a") == "/apis/apps/v1/namespaces/a/deployments")
        #expect(ResourceType.namespaces.path(namespace: "ignored", name: "x") == "/api/v1/namespaces/x")
        #expect(PathEscape.query([("labelSelector", "app in (a,b),!tier")]) == "?labelSelector=app%20in%20%28a%2Cb%29%2C%21tier")
    }

    @Test func urlPartsFillDefaultPorts() {
        let u = URLParts("https://kube.example:6443/prefix/api?x=1")
        #expect(u?.host == "kube.example")
        #expect(u?.port == 6443)
        #expect(u?.rest == "/prefix/api?x=1")
        #expect(URLParts("https://[::1]/")?.host == "[::1]")
        #expect(URLParts("https://[::1]/")?.port == 443)
    }

    @Test func microTimeHasSixFractionDigits() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_764_097_200.5), fractionDigits: 6) == "2025-11-25T19:00:00.500000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0), fractionDigits: 6) == "1970-01-01T00:00:00.000000Z")
    }
}
