import Foundation
import Testing

/// docs/cli-reference.md is every command's `--help` as this build prints it, so the
/// reference cannot drift from the options (Scripts/cli-reference.sh rewrites it).
@Suite struct CLIReferenceTests {
    @Test func referenceMatchesEveryCommandsHelp() throws {
        let reference = try String(contentsOf: Command.repository.appendingPathComponent("docs/cli-reference.md"), encoding: .utf8)
        // Every subcommand the top-level help lists, so that a new one cannot be left out.
        let top = try Command.run(["--help"], environment: ["COLUMNS": "100"]).stdout
        let listed = top.components(separatedBy: "SUBCOMMANDS:").last!.split(separator: "\n")
            .compactMap { line in line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil }
            .filter { $0 != "See" }
        #expect(listed.count >= 10 && listed.contains("uncertain"), "\(listed)")
        for command in [""] + listed {
            let help = try Command.run((command.isEmpty ? [] : [command]) + ["--help"], environment: ["COLUMNS": "100"])
            #expect(help.status == 0)
            let block = "## textclf\(command.isEmpty ? "" : " " + command)\n\n```text\n" + help.stdout + "```\n"
            #expect(reference.contains(block), "docs/cli-reference.md is out of date for '\(command)': run Scripts/cli-reference.sh")
        }
    }
}
