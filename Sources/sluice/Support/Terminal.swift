import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What standard output is: a terminal that takes colours and in-place redraws, or something that gets
/// plain, append-only lines. `NO_COLOR` (any value), `TERM=dumb` or a stdout that is not a terminal each
/// mean plain lines.
enum Terminal {
    /// Whether stdout is a terminal at all (control sequences from tasks are then shown, not obeyed).
    static var isTTY: Bool { isatty(1) == 1 }

    /// Whether colours and cursor movement may be written to stdout.
    static var isRich: Bool {
        let env = ProcessInfo.processInfo.environment
        if env["NO_COLOR"] != nil { return false }
        if env["TERM"] == "dumb" { return false }
        return isTTY
    }

    /// A tree redrawn in place: each frame moves the cursor back over the previous one and clears below it.
    struct Frame {
        private var drawn = 0

        mutating func draw(_ lines: [String]) {
            let up = drawn > 0 ? "\u{1B}[\(drawn)A\u{1B}[J" : ""
            FileHandleOutput.standardOutput(up + lines.joined(separator: "\n"))
            drawn = lines.count
        }
    }

    /// The terminal's height in rows, asked of the tty; nil when stdout is no terminal or does not say.
    static var rows: Int? {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
        return Int(size.ws_row)
    }
}
