import Testing

@testable import SluiceKube

@Suite struct ObjectStatusTests {
    @Test func decodesNotFound() throws {
        let status = try Status(parsing: Array(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"train-1\" not found",
             "reason":"NotFound","details":{"name":"train-1","kind":"pods"},"code":404}
            """#.utf8))
        #expect(status.status == "Failure")
        #expect(status.reason == .notFound)
        #expect(status.code == 404)
        #expect(status.message == #"pods "train-1" not found"#)
        #expect(status.details?.name == "train-1")
        #expect(status.details?.kind == "pods")
        #expect(status.details?.causes.isEmpty == true)
        #expect(status.description == #"404 NotFound: pods "train-1" not found"#)
    }

    @Test func decodesConflict() throws {
        let status = try Status(parsing: Array(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"Operation cannot be fulfilled on leases.coordination.k8s.io \"sluice-controller\": the object has been modified; please apply your changes to the latest version and try again",
             "reason":"Conflict","details":{"name":"sluice-controller","group":"coordination.k8s.io","kind":"leases"},"code":409}
            """#.utf8))
        #expect(status.reason == .conflict)
        #expect(status.code == 409)
        #expect(status.details?.group == "coordination.k8s.io")
    }

    @Test func decodesInvalidWithItsCauses() throws {
        let status = try Status(parsing: Array(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"Pod \"Bad_Name\" is invalid: [metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, spec.containers[0].image: Required value]",
             "reason":"Invalid",
             "details":{"name":"Bad_Name","kind":"Pod","causes":[
               {"reason":"FieldValueInvalid","message":"Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters","field":"metadata.name"},
               {"reason":"FieldValueRequired","message":"Required value","field":"spec.containers[0].image"}]},
             "code":422}
            """#.utf8))
        #expect(status.reason == .invalid)
        #expect(status.code == 422)
        let causes = try #require(status.details?.causes)
        #expect(causes.map(\.reason) == ["FieldValueInvalid", "FieldValueRequired"])
        #expect(causes.map(\.field) == ["metadata.name", "spec.containers[0].image"])
        #expect(causes[1].message == "Required value")
    }

    @Test func decodesExpiredFromAWatch() throws {
        let status = try Status(parsing: Array(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
             "message":"too old resource version: 100 (184000)","reason":"Expired","code":410}
            """#.utf8))
        #expect(status.reason == .expired)
        #expect(status.code == 410)
        #expect(status.details == nil)
    }

    @Test func decodesTooManyRequestsWithRetryAfter() throws {
        let status = try Status(parsing: Array(#"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"storage is (re)initializing",
             "reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}
            """#.utf8))
        #expect(status.reason == .tooManyRequests)
        #expect(status.details?.retryAfterSeconds == 1)
    }

    @Test func reasonsRoundTripTheirText() {
        let texts = ["", "Unauthorized", "Forbidden", "NotFound", "AlreadyExists", "Conflict", "Gone", "Invalid",
                     "ServerTimeout", "StorageReadError", "Timeout", "TooManyRequests", "BadRequest",
                     "MethodNotAllowed", "NotAcceptable", "RequestEntityTooLarge", "UnsupportedMediaType",
                     "InternalError", "Expired", "ServiceUnavailable"]
        for text in texts {
            let reason = StatusReason(rawValue: text)
            #expect(reason.rawValue == text)
            if case .unrecognized = reason { Issue.record("\(text) should be known") }
        }
        #expect(StatusReason(rawValue: "") == .unknown)
        #expect(StatusReason(rawValue: "Teapot") == .unrecognized("Teapot"))
    }

    @Test func buildsAFailureAsTheServerWritesIt() {
        let status = Status(
            code: 422, reason: .invalid, message: "Pod \"x\" is invalid",
            details: {
                var details = StatusDetails()
                details.name = "x"
                details.kind = "Pod"
                details.causes = [StatusCause(reason: "FieldValueRequired", message: "Required value", field: "spec")]
                return details
            }())
        #expect(status.document.testJSON == """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \\"x\\" is invalid",\
            "reason":"Invalid","details":{"name":"x","kind":"Pod","causes":[{"reason":"FieldValueRequired",\
            "message":"Required value","field":"spec"}]},"code":422}
            """)
    }
}
