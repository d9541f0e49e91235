import Foundation

/// What an exec plugin printed: an `ExecCredential` with a token and/or a client certificate, and
/// when they expire.
struct ExecCredentialOutput: Sendable {
    var token: String?
    var clientCertificate: ExecClientCertificate?
    var expiration: Date?

    /// client-go uses a credential until the moment after its expiry; none means until invalidated.
    func isExpired(at now: Date) -> Bool {
        expiration.map { now > $0 } ?? false
    }

    /// Parses and checks the plugin's stdout as client-go does.
    static func parse(_ stdout: [UInt8], spec: ExecCredentialSpec) throws(KubeConfigError) -> ExecCredentialOutput {
        func failure(_ message: String) -> KubeConfigError {
            KubeConfigError(.credentials, file: spec.sourceFile, keyPath: spec.keyPath, "exec plugin \"\(spec.command)\" \(message)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(stdout))) as? [String: Any] else {
            throw failure("wrote \(stdout.count) bytes to stdout that are not a JSON ExecCredential object")
        }
        let apiVersion = object["apiVersion"] as? String ?? ""
        guard apiVersion == spec.apiVersion else {
            throw failure("is configured to use API version \(spec.apiVersion), but returned version \(apiVersion.isEmpty ? "(none)" : apiVersion)")
        }
        let kind = object["kind"] as? String ?? ""
        guard kind == "ExecCredential" else {
            throw failure("returned kind \"\(kind)\"; expected \"ExecCredential\"")
        }
        guard let status = object["status"] as? [String: Any] else {
            throw failure("didn't return a status field")
        }
        func string(_ key: String) throws(KubeConfigError) -> String {
            guard let value = status[key], !(value is NSNull) else { return "" }
            guard let text = value as? String else { throw failure("returned status.\(key) that is not a string") }
            return text
        }
        let token = try string("token"), certificate = try string("clientCertificateData"), key = try string("clientKeyData")
        if token.isEmpty && certificate.isEmpty && key.isEmpty {
            throw failure("didn't return a token or cert/key pair")
        }
        if certificate.isEmpty != key.isEmpty {
            throw failure("returned only certificate or key, not both")
        }
        var output = ExecCredentialOutput(token: token.isEmpty ? nil : token)
        if !certificate.isEmpty {
            output.clientCertificate = ExecClientCertificate(certificatePEM: Array(certificate.utf8), keyPEM: Array(key.utf8))
        }
        let stamp = try string("expirationTimestamp")
        if !stamp.isEmpty {
            guard let date = RFC3339.parse(stamp) else {
                throw failure("returned status.expirationTimestamp \"\(stamp)\"; expected an RFC 3339 time such as 2030-01-02T15:04:05Z")
            }
            output.expiration = date
        }
        return output
    }

    /// The `KUBERNETES_EXEC_INFO` value: the ExecCredential request, with the cluster when asked for.
    static func execInfo(_ spec: ExecCredentialSpec, cluster: ExecClusterInfo?) -> String {
        var request: [(String, String?)] = []
        if spec.provideClusterInfo, let cluster {
            request.append(("cluster", JSONText.object([
                ("server", JSONText.quoted(cluster.server)),
                ("tls-server-name", cluster.tlsServerName.map(JSONText.quoted)),
                ("insecure-skip-tls-verify", cluster.insecureSkipTLSVerify ? "true" : nil),
                ("certificate-authority-data", cluster.certificateAuthorityData.map { JSONText.quoted(Base64.encode($0)) }),
                ("proxy-url", cluster.proxyURL.map(JSONText.quoted)),
                ("disable-compression", cluster.disableCompression ? "true" : nil),
                ("config", cluster.configJSON),
            ])))
        }
        request.append(("interactive", "false"))
        return JSONText.object([
            ("apiVersion", JSONText.quoted(spec.apiVersion)),
            ("kind", JSONText.quoted("ExecCredential")),
            ("spec", JSONText.object(request)),
        ])
    }
}

/// RFC 3339 times as Kubernetes writes them (`2030-01-02T15:04:05Z`, optional fraction, `Z` or `±hh:mm`).
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for byte in b[start..<start + count] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard b.count >= 20, let year = number(0, 4), b[4] == UInt8(ascii: "-"), let month = number(5, 2), b[7] == UInt8(ascii: "-"),
              let day = number(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), let hour = number(11, 2),
              b[13] == UInt8(ascii: ":"), let minute = number(14, 2), b[16] == UInt8(ascii: ":"), let second = number(17, 2),
              (1...12).contains(month), (1...daysIn(month, year)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < b.count, let digit = number(index, 1) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < b.count else { return nil }
        var offset = 0
        if b[index] == UInt8(ascii: "Z") || b[index] == UInt8(ascii: "z") {
            index += 1
        } else if b[index] == UInt8(ascii: "+") || b[index] == UInt8(ascii: "-") {
            guard let hours = number(index + 1, 2), index + 3 < b.count, b[index + 3] == UInt8(ascii: ":"),
                  let minutes = number(index + 4, 2), hours < 24, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (b[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        let seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
