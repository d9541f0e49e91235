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
        let missing = missingInputs(values, interface: interface)
        if let first = missing.first {
            let named = missing.map { "'\($0.name)' (\($0.type))" }.joined(separator: ", ")
            throw RunActionError(.invalid, code: "missing-input",
                                 "missing required input\(missing.count == 1 ? "" : "s") \(named)", field: first.name)
        }
        for p in interface.inputs where values[p.name] == nil {
            values[p.name] = p.defaultValue ?? LiteralValue.none
        }
    }

    /// The required inputs (no default, not optional) that `values` lacks, in declaration order.
    public static func missingInputs(_ values: [String: LiteralValue], interface: Interface) -> [Parameter] {
        interface.inputs.filter { values[$0.name] == nil && $0.defaultValue == nil && !$0.type.isOptional }
    }
}
