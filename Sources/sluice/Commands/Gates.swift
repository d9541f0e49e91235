import ArgumentParser
import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// Finds gates in a compiled flow, including inside branches and subworkflows.
enum GateLookup {
    /// The declared type of signal `id`, wherever its gate is.
    static func signalType(_ id: String, in flow: CompiledFlow) -> LiteralType? {
        for w in [flow.workflow] + flow.subworkflows {
            for n in all(w.nodes) {
                if case .gate(.signal(let sid, let type)) = n.node.kind, sid == id { return type }
            }
        }
        return nil
    }

    static func signalIDs(in flow: CompiledFlow) -> [String] {
        ([flow.workflow] + flow.subworkflows).flatMap { all($0.nodes) }.compactMap {
            if case .gate(.signal(let id, _)) = $0.node.kind { return id } else { return nil }
        }
    }

    static func all(_ nodes: [CompiledNode]) -> [CompiledNode] {
        nodes.flatMap { [$0] + all($0.children) }
    }
}

/// `sluice approve RUN NODE`: approves (or rejects) an approval gate.
struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve or reject a run's approval gate.",
        discussion: """
            Records who decided, when and why; a running `sluice run` notices within 100 ms. Rejecting
            needs a comment. The node must be an approve gate that is waiting.

            Examples:
              sluice approve hello-lx2k9a1b review --comment "losses look fine"
              sluice approve hello-lx2k9a1b review --reject --comment "loss too high on site b"
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Argument(help: "The gate's node id.") var node: String
    @Flag(help: "Reject instead of approve.") var reject = false
    @Option(help: "Why (required with --reject).") var comment: String?
    @Option(help: "Who decides (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption

    func validate() throws {
        if reject && (comment ?? "").isEmpty { throw ValidationError("--reject needs --comment saying why") }
    }

    func run() throws {
        let controller = try storeOption.controller()
        guard let (flow, state) = try controller.state(of: runID) else { throw CLIError.input("no run '\(runID)' in \(storeOption.directory)") }
        if state.header.phase.isFinal { throw CLIError.input("run \(runID) has already finished (\(state.header.phase.rawValue))") }
        let gates = GateLookup.all(flow.workflow.nodes).filter { if case .gate(.approve) = $0.node.kind { true } else { false } }.map(\.id)
        guard let n = state.nodes[node] else {
            let isGate = gates.contains(node) || gates.contains { node.hasSuffix("/" + $0) }
            throw CLIError.input(isGate ? "node '\(node)' is not waiting for approval yet (pending)"
                : "'\(node)' is not an approval gate of run \(runID); its approval gates: \(gates.isEmpty ? "none" : gates.joined(separator: ", "))")
        }
        guard n.kind == "gate", n.waitReason == .approval || n.gate?.approved != nil || gates.contains(node) else {
            throw CLIError.input("'\(node)' is a \(n.kind) node, not an approval gate; its approval gates: \(gates.isEmpty ? "none" : gates.joined(separator: ", "))")
        }
        guard n.phase == .waiting, n.waitReason == .approval else {
            throw CLIError.input("node '\(node)' is not waiting for approval (it is \(n.phase.rawValue))")
        }
        let payload = Data(TypedValues.json(.map(["approved": .bool(!reject)])).utf8)
        _ = try controller.store.post(InboxMessage(runID: runID, kind: .approval, target: node, payload: payload,
                                                   by: actingUser(by), comment: comment))
        FileHandleOutput.standardOutput("\(reject ? "rejected" : "approved") \(runID)/\(node) as \(actingUser(by))")
    }
}

/// `sluice signal RUN ID VALUE`: sends a typed value to a signal gate.
struct SendSignal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Send a typed value to a run's signal gate.",
        discussion: """
            The value is checked against the gate's declared type (text for string types, JSON otherwise).
            A signal sent before the gate is reached is kept and used when it is.

            Examples:
              sluice signal hello-lx2k9a1b threshold 0.75
              sluice signal hello-lx2k9a1b config '{"lr": 0.01}'
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Argument(help: "The signal id (the gate's `signal:`).") var id: String
    @Argument(help: "The value.") var value: String
    @Option(help: "A note kept with the signal.") var comment: String?
    @Option(help: "Who sends it (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption

    func run() throws {
        let controller = try storeOption.controller()
        guard let (flow, state) = try controller.state(of: runID) else { throw CLIError.input("no run '\(runID)' in \(storeOption.directory)") }
        if state.header.phase.isFinal { throw CLIError.input("run \(runID) has already finished (\(state.header.phase.rawValue))") }
        guard let type = GateLookup.signalType(id, in: flow) else {
            let ids = GateLookup.signalIDs(in: flow)
            throw CLIError.input("run \(runID) has no signal gate '\(id)'; its signals: \(ids.isEmpty ? "none" : ids.joined(separator: ", "))")
        }
        let typed: LiteralValue
        switch TypedValues.parse(value, as: type) {
        case .success(let v): typed = v
        case .failure(let e): throw CLIError.input("signal '\(id)': \(e.message)")
        }
        _ = try controller.store.post(InboxMessage(runID: runID, kind: .signal, target: id, payload: Data(TypedValues.json(typed).utf8),
                                                   by: actingUser(by), comment: comment))
        FileHandleOutput.standardOutput("signal \(id)=\(TypedValues.json(typed)) sent to \(runID)")
    }
}

/// `sluice abort RUN`: stops a run.
struct Abort: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Abort a run: cancel its running tasks and start nothing new.",
        discussion: """
            Examples:
              sluice abort hello-lx2k9a1b --reason "wrong input data"
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Option(help: "Why.") var reason: String = "aborted from the command line"
    @Option(help: "Who (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption

    func run() throws {
        let controller = try storeOption.controller()
        guard let (_, state) = try controller.state(of: runID) else { throw CLIError.input("no run '\(runID)' in \(storeOption.directory)") }
        if state.header.phase.isFinal { throw CLIError.input("run \(runID) has already finished (\(state.header.phase.rawValue))") }
        _ = try controller.store.post(InboxMessage(runID: runID, kind: .abort, by: actingUser(by), comment: reason))
        FileHandleOutput.standardOutput("abort requested for \(runID)")
    }
}
