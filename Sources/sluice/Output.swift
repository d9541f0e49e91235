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
