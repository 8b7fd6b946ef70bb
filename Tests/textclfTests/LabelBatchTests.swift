import Foundation
import Testing

/// Scripts/label-batch.sh: N files at a time, and a rerun continues where a run stopped.
@Suite struct LabelBatchTests {
    @Test func resumesAndRelabelsOnlyWhatChanged() throws {
        let directory = try Command.temporaryDirectory()
        let input = directory.appendingPathComponent("in"), output = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for k in 1...4 { try "好\n差\n".write(to: input.appendingPathComponent("f\(k).txt"), atomically: true, encoding: .utf8) }
        let script = Command.repository.appendingPathComponent("Scripts/label-batch.sh").path
        func run(_ options: [String]) throws -> String {
            let result = try Command.shell("/bin/bash", [script] + options + [Command.sharedModel.path, input.path, output.path],
                                           environment: ["TEXTCLF": Command.executable.path])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        #expect(try run(["--jobs", "3"]).contains("labelled 4 file(s), 8 text(s)"))
        // An interrupted run: one output missing; the rerun labels just that one.
        try FileManager.default.removeItem(at: output.appendingPathComponent("f2.txt.labels.csv"))
        #expect(try run([]).contains("labelled 1 file(s), 2 text(s) into \(output.path); 3 already done (skipped)"))
        #expect(try run(["--force"]).contains("labelled 4 file(s)"))
        let bad = try Command.shell("/bin/bash", [script, "--jobs", "0", Command.sharedModel.path, input.path, output.path])
        #expect(bad.status == 64)
    }
}
