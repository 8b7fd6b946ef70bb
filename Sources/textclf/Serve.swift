import ArgumentParser
import CServeLauncher
import Foundation

extension TextClf {
    /// Runs `textclf-serve`, the server program beside this one. The server is a product of its
    /// own because SwiftNIO and Hummingbird more than double the release build of `textclf`.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve models over HTTP (runs textclf-serve; see textclf serve --help).",
            discussion: """
            The server is its own program, textclf-serve, next to textclf: build it with
              swift build -c release --product textclf-serve
            (the release archive of Scripts/package.sh holds both). Every argument is passed on:
              textclf serve --model reviews=reviews-model --port 8080
            Guide: docs/serve.md.
            """)

        @Argument(parsing: .captureForPassthrough, help: "The arguments of textclf-serve (--model NAME=DIR, --port …).")
        var arguments: [String] = []

        func run() throws {
            let server = Self.serverPath()
            guard FileManager.default.isExecutableFile(atPath: server) else {
                printError("""
                    textclf: error: \(server) is missing: the server is a program of its own. Build it with
                      swift build -c release --product textclf-serve
                    """)
                throw ExitCode(69)  // EX_UNAVAILABLE
            }
            // SIGHUP stays blocked through the exec when the constructor blocked it (argv[1] is
            // "serve"); textclf-serve unblocks it once its handler is in place.
            _ = textclf_hangup_blocked_for_serve()
            let argv = ([server] + arguments).map { strdup($0) } + [nil]
            execv(server, argv)
            printError("textclf: error: cannot run \(server): \(String(cString: strerror(errno)))")
            throw ExitCode(71)  // EX_OSERR
        }

        /// `textclf-serve` in the directory of the running `textclf` (symbolic links resolved).
        static func serverPath() -> String {
            let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("textclf-serve").path
        }
    }
}
