// How the example executables start: one `error: …` line for a bad command line, as for every other failure.
import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Parses the command line and runs the command, like ArgumentParser's `main()`, except that a bad command
    /// line (unknown option, missing or malformed value, failed validation) ends with a single
    /// `error: <message> (see --help)` line on standard error and exit status 64 (`EX_USAGE`), instead of the
    /// message followed by the usage text. `--help` still prints the help on standard output and exits 0.
    public static func mainReportingErrorsOnOneLine(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error, columns: nil))
                Foundation.exit(0)
            }
            // An `ExitCode` thrown by `run()` carries no message: the command has printed its own error line.
            let text = message(for: error).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
            if !text.isEmpty {
                FileHandle.standardError.write(Data("error: \(text) (see --help)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
