import Foundation
@testable import SluiceServer
import XCTest

/// Issue 13: `logs?tail=1` read the whole log into memory. The tail is found by reading backwards.
final class LogTailTests: XCTestCase {
    func testTheTailIsFoundAcrossBlocksWithoutReadingTheWholeFile() throws {
        let path = NSTemporaryDirectory() + "sluice-tail-\(UUID().uuidString).log"
        defer { unlink(path) }
        // 3 MB of lines (many 64 KiB blocks), then two known lines; with and without a final newline.
        var text = String(repeating: "filler line of the log\n", count: 140_000)
        text += "second to last\nlast\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let size = UInt64(text.utf8.count)
        XCTAssertEqual(try LogRoutes.tailOffset(path, lines: 1), size - 5)
        XCTAssertEqual(try LogRoutes.tailOffset(path, lines: 2), size - 20)
        XCTAssertEqual(try LogRoutes.tailOffset(path, lines: 0), size)
        XCTAssertEqual(try LogRoutes.tailOffset(path, lines: 1_000_000), 0)
        try "a\nb".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try LogRoutes.tailOffset(path, lines: 1), 2)
        XCTAssertEqual(try LogRoutes.tailOffset(NSTemporaryDirectory() + "missing-\(UUID().uuidString)", lines: 3), 0)
    }
}
