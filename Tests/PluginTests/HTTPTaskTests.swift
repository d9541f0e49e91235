import HTTPTask
import SluiceModel
import SluicePlugin
import Testing

/// The http task against a real server on 127.0.0.1.
@Suite struct HTTPTaskTests {
    @Test func theBodyTemplateInsertsInputsAsJSONAndTheOutputIsTyped() async throws {
        let server = try await TestHTTPServer.start()
        let task = pluginTask(#"{"method": "POST", "url": "\#(server.base)/echo", "body": {"name": "{{inputs.name}}", "sizes": "{{inputs.sizes}}", "greeting": "hi {{inputs.name}}!"}}"#,
                              inputs: ["name": .string, "sizes": .list(.int)], outputs: ["echo": .json])
        let tricky = #"Bob", "admin": true, "x": ""#
        let out = try await HTTPTask().run(attempt(task, ["name": .string(tricky), "sizes": .list([.int(1), .int(2)])]))
        #expect(out == ["echo": .map(["name": .string(tricky), "sizes": .list([.int(1), .int(2)]), "greeting": .string("hi \(tricky)!")])])
    }

    @Test func aFieldOfTheResponseIsTheOutput() async throws {
        let server = try await TestHTTPServer.start()
        let task = pluginTask(#"{"method": "POST", "url": "\#(server.base)/echo", "body": {"data": {"items": [{"id": 7}]}}, "field": "data.items[0].id"}"#,
                              outputs: ["id": .int])
        #expect(try await HTTPTask().run(attempt(task)) == ["id": .int(7)])
    }

    @Test func aHeaderComesFromASecret() async throws {
        let server = try await TestHTTPServer.start()
        let task = pluginTask(#"{"url": "\#(server.base)/auth", "headers": {"Authorization": {"secret": "api", "prefix": "Bearer "}}}"#,
                              outputs: ["seen": .string])
        #expect(try await HTTPTask().run(attempt(task, secrets: ["api": "s3cret"])) == ["seen": .string("Bearer s3cret")])
    }

    @Test func anIdempotencyKeyIsSentAndMakesAPostSafeToRepeat() async throws {
        let server = try await TestHTTPServer.start()
        let config = #"{"method": "POST", "url": "\#(server.base)/header/Idempotency-Key", "body": {}, "idempotency_key": "order-{{inputs.id}}-{{run}}-{{node}}"}"#
        let task = pluginTask(config, inputs: ["id": .int], outputs: ["seen": .string])
        #expect(try await HTTPTask().run(attempt(task, ["id": .int(42)])) == ["seen": .string("order-42-r-n")])
        #expect(HTTPTask().repeatSafety(task) == RepeatSafety(isSafe: true, effect: "a POST request with an Idempotency-Key"))
        let plain = pluginTask(#"{"method": "POST", "url": "\#(server.base)/echo"}"#)
        #expect(HTTPTask().repeatSafety(plain) == RepeatSafety(isSafe: false, effect: "a POST request"))
    }

    @Test func a5xxIsRetryableAndAnUnexpected4xxIsPermanent() async throws {
        let server = try await TestHTTPServer.start()
        let e503 = await failure { try await HTTPTask().run(attempt(pluginTask(#"{"url": "\#(server.base)/status/503"}"#))) }
        #expect(e503?.kind == .retryable && e503?.message.contains("answered 503") == true, "\(String(describing: e503))")
        let e404 = await failure { try await HTTPTask().run(attempt(pluginTask(#"{"url": "\#(server.base)/status/404"}"#))) }
        #expect(e404?.kind == .permanent && e404?.message.contains("expected 2xx") == true, "\(String(describing: e404))")
        let ok = try await HTTPTask().run(attempt(pluginTask(#"{"url": "\#(server.base)/status/404", "expect": 404}"#)))
        #expect(ok.isEmpty)
    }

    @Test func aRefusedConnectionIsRetryable() async throws {
        // Port 9 on loopback (discard) has no listener here.
        let e = await failure { try await HTTPTask().run(attempt(pluginTask(#"{"url": "http://127.0.0.1:9/", "timeout": "5s"}"#))) }
        #expect(e?.kind == .retryable, "\(String(describing: e))")
    }

    @Test func theTimeoutEndsAHungRequestAsRetryable() async throws {
        let server = try await TestHTTPServer.start()
        let e = await failure { try await HTTPTask().run(attempt(pluginTask(#"{"url": "\#(server.base)/hang", "timeout": "300ms"}"#))) }
        #expect(e?.kind == .retryable && e?.message.contains("no response within") == true, "\(String(describing: e))")
    }

    @Test func cancelStopsARequestInFlight() async throws {
        let server = try await TestHTTPServer.start()
        let task = pluginTask(#"{"url": "\#(server.base)/hang", "timeout": "1h"}"#)
        let running = Task { await failure { try await HTTPTask().run(attempt(task)) } }
        var arrivals = server.hung.makeAsyncIterator()
        _ = await arrivals.next()
        running.cancel()
        let e = await running.value
        #expect(e?.kind == .cancelled, "\(String(describing: e))")
    }

    @Test func aNonJSONBodyForAJSONOutputIsPermanent() async throws {
        let server = try await TestHTTPServer.start()
        let e = await failure { try await HTTPTask().run(attempt(pluginTask(#"{"url": "\#(server.base)/auth"}"#, outputs: ["n": .int]))) }
        #expect(e?.kind == .permanent && e?.message.contains("not JSON") == true, "\(String(describing: e))")
    }
}
