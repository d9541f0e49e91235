import Foundation
import Testing
@testable import SluiceStore

/// `ensureToken(name:role:secret:)`: a secret chosen outside the store (the chart's Secret) registered on every start.
@Suite struct ProvidedTokenTests {
    @Test func theSameSecretIsRegisteredOnceAndANewOneReplacesIt() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let first = String(repeating: "a1", count: 24), second = String(repeating: "b2", count: 24)
        #expect(try store.ensureToken(name: "bootstrap", role: .admin, secret: first) == .created)
        #expect(try store.ensureToken(name: "bootstrap", role: .admin, secret: first) == .unchanged)
        #expect(try store.authenticate(secret: first)?.role == .admin)

        #expect(try store.ensureToken(name: "bootstrap", role: .admin, secret: second) == .replaced)
        #expect(try store.authenticate(secret: first) == nil)
        #expect(try store.authenticate(secret: second)?.name == "bootstrap")
        let tokens = try store.tokens()
        #expect(tokens.count == 2)
        #expect(tokens.filter(\.isLive).map(\.name) == ["bootstrap"])
    }
}
