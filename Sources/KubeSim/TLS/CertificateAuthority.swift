import Foundation
import ChildProcess

/// The CA, server and client certificates of a TLS KubeSim, made with the `openssl` command line.
public struct GeneratedCertificates: Sendable {
    public let directory: String
    public var caCertificate: String { directory + "/ca.crt" }
    public var serverCertificate: String { directory + "/server.crt" }
    public var serverKey: String { directory + "/server.key" }
    public func clientCertificate(_ user: String) -> String { directory + "/client-\(user).crt" }
    public func clientKey(_ user: String) -> String { directory + "/client-\(user).key" }

    /// Writes a fresh CA and a server certificate for 127.0.0.1 and localhost into `directory`.
    public static func generate(in directory: String) throws -> GeneratedCertificates {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certs = GeneratedCertificates(directory: directory)
        try OpenSSL.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", directory + "/ca.key", "-out", certs.caCertificate, "-days", "365", "-subj", "/CN=kubesim-ca",
                         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
                         "-addext", "subjectKeyIdentifier=hash"])
        try certs.issue(name: "server", subject: "/CN=kubesim", extensions: [
            "subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth",
        ])
        return certs
    }

    /// Issues a client certificate: CN is the user, each group an O.
    public func issueClient(user: String, groups: [String] = []) throws {
        let subject = "/CN=\(user)" + groups.map { "/O=\($0)" }.joined()
        try issue(name: "client-\(user)", subject: subject, extensions: ["extendedKeyUsage=clientAuth"])
    }

    func issue(name: String, subject: String, extensions: [String]) throws {
        let key = directory + "/\(name).key", csr = directory + "/\(name).csr", ext = directory + "/\(name).ext"
        let common = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
                      "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid,issuer"]
        try (common + extensions).joined(separator: "\n").appending("\n").write(toFile: ext, atomically: true, encoding: .utf8)
        try OpenSSL.run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                         "-out", csr, "-subj", subject])
        try OpenSSL.run(["x509", "-req", "-in", csr, "-CA", caCertificate, "-CAkey", directory + "/ca.key", "-CAcreateserial",
                         "-out", directory + "/\(name).crt", "-days", "365", "-extfile", ext])
        try? FileManager.default.removeItem(atPath: csr)
        try? FileManager.default.removeItem(atPath: ext)
    }
}

/// Runs `/usr/bin/openssl` (or the one on PATH).
enum OpenSSL {
    struct Failure: Error, CustomStringConvertible {
        let arguments: [String]
        let output: String
        var description: String { "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(output)" }
    }

    static func run(_ arguments: [String]) throws {
        let process = ChildProcess()
        let candidates = ["/usr/bin/openssl", "/usr/local/bin/openssl"]
        if let path = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(arguments: arguments, output: String(decoding: output, as: UTF8.self)) }
    }
}
