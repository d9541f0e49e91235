import Foundation
import XCTest

extension XCTestCase {
    /// Polls app `name`'s status on the server until `done` holds; returns the last status (a failure after
    /// `timeout`, a guard against hanging, not a latency bound).
    @discardableResult
    func waitForApp(_ s: TestServer, _ name: String, timeout: TimeInterval = 30, line: UInt = #line,
                    _ done: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try s.client.get("/api/v1/apps/\(name)").json
            if done(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("app \(name) never reached the expected state; last: \(last)", line: line)
        return last
    }
}
