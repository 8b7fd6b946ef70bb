import Foundation
import Testing

/// docs/cli-reference.md is every command's `--help` as this build prints it, so the
/// reference cannot drift from the options (Scripts/cli-reference.sh rewrites it).
@Suite struct CLIReferenceTests {
    @Test func referenceMatchesEveryCommandsHelp() throws {
        let reference = try String(contentsOf: Command.repository.appendingPathComponent("docs/cli-reference.md"), encoding: .utf8)
        for command in ["", "fit", "evaluate", "predict", "explain", "report", "quantize", "tokenize", "words", "bench"] {
            let help = try Command.run((command.isEmpty ? [] : [command]) + ["--help"], environment: ["COLUMNS": "100"])
            #expect(help.status == 0)
            let block = "## textclf\(command.isEmpty ? "" : " " + command)\n\n```text\n" + help.stdout + "```\n"
            #expect(reference.contains(block), "docs/cli-reference.md is out of date for '\(command)': run Scripts/cli-reference.sh")
        }
    }
}
