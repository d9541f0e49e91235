import Foundation
import Hummingbird
import SluiceKube

/// The query parameters of an API request, read once.
struct RequestQuery {
    let values: [String: String]

    init(_ request: Request) {
        self.init(rawQuery: request.uri.query ?? "")
    }

    /// Decodes `application/x-www-form-urlencoded` pairs as Go's url.ParseQuery does: `+` is a space
    /// (kubectl sends `-l 'app in (a,b)'` as `app+in+%28a%2Cb%29`), then percent escapes.
    init(rawQuery: String) {
        var values: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) -> String in
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(kv[0])
            if values[key] == nil { values[key] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        self.values = values
    }

    subscript(_ key: String) -> String? { values[key] }

    func flag(_ key: String) -> Bool {
        guard let v = values[key] else { return false }
        return v == "1" || v.lowercased() == "true"
    }

    func int(_ key: String) throws(SimStatusError) -> Int64? {
        guard let text = values[key], !text.isEmpty else { return nil }
        guard let value = Int64(text) else { throw .badRequest("invalid value \"\(text)\" for \(key)") }
        return value
    }

    var dryRun: Bool { values["dryRun"] == "All" }

    func filter(_ type: SimResource) throws(SimStatusError) -> ObjectFilter {
        var filter = ObjectFilter()
        if let labels = values["labelSelector"], !labels.isEmpty { filter.labels = try LabelSelector(parsing: labels) }
        if let fields = values["fieldSelector"], !fields.isEmpty { filter.fields = try FieldSelector(parsing: fields, for: type) }
        return filter
    }

    /// The first listed dryRun value must be `All` (the only one the real server accepts).
    func checkDryRun() throws(SimStatusError) {
        if let v = values["dryRun"], !v.isEmpty, v != "All" {
            throw .badRequest("Invalid dry run value: \(v)")
        }
    }
}
