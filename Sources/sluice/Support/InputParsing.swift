import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// Reads `--input k=v` and `--inputs-file` against a workflow's declared inputs.
enum InputParsing {
    static func values(pairs: [String], file: String?, interface: Interface) throws -> [String: LiteralValue] {
        var out: [String: LiteralValue] = [:]
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError.input("cannot read inputs file \(file)") }
            guard case .map(let object)? = try? JSONDecoder().decode(LiteralValue.self, from: data) else {
                throw CLIError.input("\(file): expected a JSON object of inputs")
            }
            for (k, v) in object {
                let p = try param(k, interface, place: file)
                switch TypedValues.coerce(v, to: p.type) {
                case .success(let value): out[k] = value
                case .failure(let e): throw CLIError.input("\(file): input '\(k)': \(e.message)")
                }
            }
        }
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "=") else { throw CLIError.input("--input \(pair): expected NAME=VALUE") }
            let k = String(pair[..<eq]), v = String(pair[pair.index(after: eq)...])
            let p = try param(k, interface, place: "--input \(pair)")
            switch TypedValues.parse(v, as: p.type) {
            case .success(let value): out[k] = value
            case .failure(let e): throw CLIError.input("--input \(pair): \(e.message)")
            }
        }
        let missing = FlowInputs.missingInputs(out, interface: interface)
        do { try FlowInputs.fillDefaults(&out, interface: interface) } catch {
            let flags = missing.isEmpty ? ["--input \(error.field ?? "NAME")=VALUE"] : missing.map { "--input \($0.name)=VALUE" }
            throw CLIError.input("\(error.message); pass \(flags.joined(separator: " "))")
        }
        return out
    }

    private static func param(_ name: String, _ interface: Interface, place: String) throws -> Parameter {
        if let p = interface.input(name) { return p }
        let names = interface.inputs.map(\.name)
        throw CLIError.input("\(place): the flow has no input '\(name)'; \(names.isEmpty ? "it declares none" : "its inputs: \(names.joined(separator: ", "))")")
    }
}
