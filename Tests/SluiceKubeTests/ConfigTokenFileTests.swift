import Foundation
import Testing
@testable import SluiceKube

@Suite struct ConfigTokenFileTests {
    let folder = ConfigFolder()

    @Test func aRotatedTokenIsPickedUpAfterTheRefreshInterval() throws {
        let path = folder.write("token", "first\n")
        let clock = ManualClock()
        let credentials = Credentials.tokenFile(path, refreshInterval: .seconds(60), clock: clock)
        #expect(try credentials.bearerToken() == "first")
        folder.write("token", "second\n")
        clock.advance(by: .seconds(59))
        #expect(try credentials.bearerToken() == "first")
        clock.advance(by: .seconds(1))
        #expect(try credentials.bearerToken() == "second")
    }

    @Test func invalidateRereadsTheFileAtOnce() throws {
        let path = folder.write("token", "first")
        let credentials = Credentials.tokenFile(path, clock: ManualClock())
        #expect(try credentials.bearerToken() == "first")
        folder.write("token", "second")
        #expect(try credentials.bearerToken() == "first")
        credentials.invalidate()
        #expect(try credentials.bearerToken() == "second")
    }

    @Test func theLastTokenIsKeptWhileTheFileIsMissingButNotAfterInvalidate() throws {
        let path = folder.write("token", "kept")
        let clock = ManualClock()
        let credentials = Credentials.tokenFile(path, clock: clock)
        #expect(try credentials.bearerToken() == "kept")
        folder.remove("token")
        clock.advance(by: .seconds(120))
        #expect(try credentials.bearerToken() == "kept")
        credentials.invalidate()
        let error = try #require(configError { try credentials.bearerToken() })
        #expect(error.kind == .notFound)
        #expect(error.file == path)
    }

    @Test func anEmptyTokenFileIsAnError() throws {
        let path = folder.write("token", " \n")
        let error = try #require(configError { try Credentials.tokenFile(path).bearerToken() })
        #expect(error.description == "\(path): the token file is empty; expected a bearer token")
    }

    @Test func kubeconfigTokenFileIsReadOverTheFixedToken() throws {
        let tokenPath = folder.write("token", "from-file")
        let path = folder.write("config", sampleKubeconfig(user: "token: fixed\ntokenFile: token"))
        let config = try ClusterConfig.load(kubeconfigPaths: [path], environment: [:])
        #expect(try config.credentials.bearerToken() == "from-file")
        #expect(config.credentials.description == "the token file \(tokenPath)")
        folder.remove("token")
        config.credentials.invalidate()
        #expect(try config.credentials.bearerToken() == "fixed", "client-go falls back to the kubeconfig's token")
        let missing = try #require(configError {
            try ClusterConfig.load(kubeconfigPaths: [folder.write("other", sampleKubeconfig(user: "tokenFile: gone"))], environment: [:])
        })
        #expect(missing.keyPath == "users[dev].user.tokenFile")
    }
}
