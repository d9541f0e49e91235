/// Flow files the server tests submit.
enum Flows {
    static let hello = """
        name: hello
        inputs:
          who: {type: string, default: world}
          times: {type: int, default: 1}
        outputs: {greeting: greet.message}
        tasks:
          greet:
            command: [sh, -c, "printf '{\\"message\\": \\"hi %s\\"}' {{inputs.who | shell}} > $SLUICE_OUTPUTS"]
            inputs: {who: string}
            outputs: {message: string}
        nodes:
          - {id: greet, task: greet, inputs: {who: inputs.who}}
        """

    /// An approval, then a signal gate reached only after it (so a signal can arrive before its gate).
    static let gates = """
        name: gates
        outputs: {threshold: pick.value}
        nodes:
          - {id: review, gate: {approve: null, message: "ship it?"}}
          - {id: pick, gate: {signal: threshold, type: float}, after: [review]}
        """

    /// A signal gate, then a task: events keep coming after the gate opens.
    static let signalThenTask = """
        name: streamed
        tasks:
          work:
            command: [sh, -c, "echo '{}' > $SLUICE_OUTPUTS"]
        nodes:
          - {id: pick, gate: {signal: go, type: string}}
          - {id: a, task: work, after: [pick]}
          - {id: b, task: work, after: [a]}
        """

    /// Two tasks in a row, the first slow; each appends its name to `marker`.
    static func slowPair(marker: String) -> String {
        """
        name: slow
        tasks:
          work:
            command: [sh, -c, "sleep {{inputs.pause}}; echo {{inputs.name}} >> \(marker); echo '{}' > $SLUICE_OUTPUTS"]
            inputs: {name: string, pause: string}
        nodes:
          - {id: a, task: work, inputs: {name: "a", pause: "2"}}
          - {id: b, task: work, inputs: {name: "b", pause: "0"}, after: [a]}
        """
    }
}
