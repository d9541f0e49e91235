import Foundation
import Testing

@Suite(.serialized) struct SubflowRetryTests {
    @Test func aRetriedSubflowRunsItsFailingTaskAgainOnEveryTryUntilItSucceeds() async throws {
        let ws = try Workspace()
        let counter = ws.dir.appendingPathComponent("counter").path
        // Fails while the counter is below 3; the third run writes its count as the output.
        let script = try ws.write("flaky.sh", """
            n=$(cat \(counter) 2>/dev/null || echo 0)
            n=$((n+1))
            echo $n > \(counter)
            [ $n -ge 3 ] || exit 1
            printf '{"n": %d}' $n > "$SLUICE_OUTPUTS"
            """)
        let flow = try ws.write("subretry.yaml", """
            name: subretry
            outputs: {n: sub.n}
            tasks:
              prep:
                command: [sh, -c, "printf '{\\"ok\\": true}' > $SLUICE_OUTPUTS"]
                outputs: {ok: bool}
              flaky:
                command: [sh, \(script)]
                inputs: {ok: bool}
                outputs: {n: int}
            workflows:
              inner:
                outputs: {n: flaky.n}
                nodes:
                  - {id: prep, task: prep}
                  - {id: flaky, task: flaky, inputs: {ok: prep.ok}}
            nodes:
              - {id: sub, workflow: inner, retries: {attempts: 3}}
            """)
        let out = try await ws.sluice(["run", flow, "--run-id", "s1", "-o", "json"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(ws.read("counter").trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        #expect(json?["state"] as? String == "succeeded")
        #expect((json?["outputs"] as? [String: Any])?["n"] as? Int == 3)
    }
}
