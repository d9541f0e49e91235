import Hummingbird
import SluiceKube

extension APIHandler {
    /// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: the review with `status.allowed`
    /// for the caller, as `kubectl auth can-i` reads it (pkg/registry/authorization/selfsubjectaccessreview).
    func accessReview(_ request: inout Request, user: SimUser) async throws -> Response {
        var review = try await body(&request)
        let spec = review["spec"]
        guard let attributes = spec?["resourceAttributes"] ?? spec?["nonResourceAttributes"] else {
            throw SimStatusError.invalid(.selfSubjectAccessReviews, "", [
                .required("spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified")])
        }
        let verb = attributes["verb"]?.stringValue ?? ""
        let allowed = access.allows(user, verb: verb)
        review["apiVersion"] = "authorization.k8s.io/v1"
        review["kind"] = "SelfSubjectAccessReview"
        var meta = review["metadata"]?.objectValue ?? JSONObject()
        meta["creationTimestamp"] = .null
        review["metadata"] = .object(meta)
        var status: JSONObject = ["allowed": .bool(allowed)]
        if allowed, access.required {
            status["reason"] = .string("KubeSim: allowed for \(user.name)")
        }
        review["status"] = .object(status)
        return HTTPReply.json(review, status: .created)
    }
}
