import Foundation
import Testing
@testable import SluiceRuntime

@Suite struct RestartBackoffTests {
    @Test func delaysDoubleFromOneSecondToFiveMinutes() {
        let b = RestartBackoff()
        #expect((1...10).map { b.delay(failures: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300])
        #expect(b.delay(failures: 1000) == 300)
    }

    @Test func tenMinutesHealthyResetsTheCount() {
        let b = RestartBackoff()
        #expect(b.failures(previous: 6, healthyFor: nil) == 7)
        #expect(b.failures(previous: 6, healthyFor: 599) == 7)
        #expect(b.failures(previous: 6, healthyFor: 600) == 1)
    }

    @Test func threeFailuresInARowAreACrashLoop() {
        let b = RestartBackoff()
        #expect(!b.isCrashLoop(failures: 2))
        #expect(b.isCrashLoop(failures: 3))
    }
}
