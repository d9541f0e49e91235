import Hummingbird
import SluiceKube

/// The query parameters of an API request, read once.
struct RequestQuery {
    let values: [String: String]

    init(_ request: Request) {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
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
