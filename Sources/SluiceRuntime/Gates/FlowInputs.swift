import SluiceEngine
import SluiceModel

/// Types a run's inputs, given as one JSON object, against the flow's declared inputs; fills in defaults.
public enum FlowInputs {
    /// The typed inputs, or a `RunActionError` (invalid) whose field is the input's name.
    public static func typed(_ given: [String: LiteralValue], interface: Interface) throws(RunActionError) -> [String: LiteralValue] {
        var out: [String: LiteralValue] = [:]
        for (name, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let p = interface.input(name) else {
                let names = interface.inputs.map(\.name)
                throw RunActionError(.invalid, code: "unknown-input",
                                     "the flow has no input '\(name)'; \(names.isEmpty ? "it declares none" : "its inputs: \(names.joined(separator: ", "))")",
                                     field: name)
            }
            switch TypedValues.coerce(value, to: p.type) {
            case .success(let v): out[name] = v
            case .failure(let e): throw RunActionError(.invalid, code: "invalid-input", "input '\(name)': \(e.message)", field: name)
            }
        }
        try fillDefaults(&out, interface: interface)
        return out
    }

    /// Gives every input not in `values` its default (or none, when optional); a required input without one
    /// is an error naming it.
    public static func fillDefaults(_ values: inout [String: LiteralValue], interface: Interface) throws(RunActionError) {
        for p in interface.inputs where values[p.name] == nil {
            if let d = p.defaultValue {
                values[p.name] = d
            } else if p.type.isOptional {
                values[p.name] = LiteralValue.none
            } else {
                throw RunActionError(.invalid, code: "missing-input", "missing required input '\(p.name)' (\(p.type))", field: p.name)
            }
        }
    }
}
