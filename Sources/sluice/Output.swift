import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes lines to the standard streams.
enum FileHandleOutput {
    static func standardError(_ text: String) {
        guard !text.isEmpty else { return }
        write(fd: 2, text)
    }

    static func standardOutput(_ text: String) {
        write(fd: 1, text)
    }

    private static func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, p, n)
        #else
        Darwin.write(fd, p, n)
        #endif
    }

    private static func write(fd: Int32, _ text: String) {
        var line = text.hasSuffix("\n") ? text : text + "\n"
        line.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = posixWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// Output formats a command can print.
enum OutputFormat: String, CaseIterable, Sendable {
    case text, json, yaml
}

/// Text from tasks and people (failure messages, stderr tails, progress messages, comments, event messages),
/// made safe to print on a terminal: control characters, including ESC and the C1 range, are shown as
/// `\u{1b}` instead of being obeyed, so a task cannot move the cursor, retitle the window or write the
/// clipboard of whoever reads its run.
enum TerminalText {
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            if isControl(s) { out += "\\u{\(String(s.value, radix: 16))}" } else { out.unicodeScalars.append(s) }
        }
        return out
    }

    /// A log line for a terminal: colours (SGR, `ESC [ ... m`) pass; every other control sequence is shown.
    static func log(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" && $0 != "\r" }) else { return text }
        var out = ""
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "\u{1b}", i + 1 < scalars.count, scalars[i + 1] == "[" {
                var j = i + 2
                while j < scalars.count, ("0"..."9").contains(scalars[j]) || scalars[j] == ";" { j += 1 }
                if j < scalars.count, scalars[j] == "m" {
                    out.unicodeScalars.append(contentsOf: scalars[i...j])
                    i = j + 1
                    continue
                }
            }
            if isControl(s) && s != "\n" && s != "\t" && s != "\r" {
                out += "\\u{\(String(s.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(s)
            }
            i += 1
        }
        return out
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7f...0x9f).contains(s.value)
    }
}

/// Where `sluice logs` writes a task's output: as is into a pipe or file, and on a terminal with every control
/// sequence but colours made visible (`--raw` turns that off).
enum LogOutput {
    nonisolated(unsafe) static var sanitize = false

    static func write(_ data: Data) {
        guard sanitize else { return FileHandle.standardOutput.write(data) }
        FileHandle.standardOutput.write(Data(TerminalText.log(String(decoding: data, as: UTF8.self)).utf8))
    }
}
