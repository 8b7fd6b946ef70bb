import ArgumentParser
import CEarlySignals
import Foundation
import Logging
import TextClassification
import TextClassificationServer

/// `textclf serve`, a program of its own: its dependencies (SwiftNIO, Hummingbird) more than
/// double the build of `textclf`, so `textclf serve` runs this binary, built on request
/// (`swift build -c release --product textclf-serve`; docs/serve.md).
@main
struct TextClfServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "textclf serve",
        abstract: "Serve models over HTTP: predict, explain, reload, health and metrics.",
        discussion: """
        Answers POST /v1/models/NAME/predict {"texts": [...], "top_k": 3, "probabilities": \
        false} with what textclf predict --format jsonl prints for the same model and texts \
        (same digits), and POST /v1/models/NAME/explain with what textclf explain --format \
        json prints. GET /v1/models lists the models, /healthz and /readyz (ready once every \
        model is loaded) answer probes, /metrics is Prometheus text, /openapi.json the whole \
        contract. Requests that arrive together are gathered into one model pass.

        A model may have versions (--model topics=stable:DIR1,next:DIR2; the first is the \
        primary): a request may name one ("version": "next"), --canary topics=next:5 sends \
        5% of the others to it (the same way for each X-Request-Key header), --shadow \
        topics=next runs it beside the primary in the background and /metrics counts where \
        they agree; POST /v1/models/NAME/promote, /rollback and /rollout change that at once \
        (admin routes).

        SIGHUP or POST /v1/models/NAME/reload loads a model's directory again and swaps it \
        in; requests in flight finish on the old model, and a directory that does not load \
        is refused with the reason while the old model keeps serving. SIGTERM or SIGINT stop \
        accepting, let requests in flight finish (at most --drain-timeout seconds), and exit 0. \
        Each request is logged on standard error with its id. Guide: docs/serve.md.

        Examples:
          textclf serve --model reviews=reviews-model --model topics=topics-model
          curl -s localhost:8080/v1/models/reviews/predict -d '{"texts": ["质量很好"]}'
          kill -HUP $(pidof textclf-serve)     # after textclf fit … -o reviews-model --force
          textclf serve --model topics=stable:topics-v1,next:topics-v2 --canary topics=next:5

        Limits (docs/serve.md, Deploying, gives the memory bound they make): bodies and \
        answers in flight share --max-bytes-in-flight-mb (503 beyond, before reading more); \
        an answer is at most --max-answer-bytes (413); connections beyond --max-connections \
        are closed; a client that reads nothing of its answer for --write-timeout-ms is cut \
        off; explain runs --max-concurrent-explains at once on threads of its own. /healthz, \
        /readyz and /metrics are outside every limit. The admin routes (reload, promote, \
        rollback, rollout) are off (403) unless --admin-token-file names a file holding a secret, which requests then send as \
        Authorization: Bearer SECRET; SIGHUP always reloads.
        """)

    /// SIGHUP is caught from before `main` (CEarlySignals): its default action ends the
    /// process, and deploy scripts send it right after a restart, before the reload handler
    /// (a dispatch source, set up once the server starts) exists.
    static func main() async {
        if textclf_hangup_trapped() == 0 { signal(SIGHUP) { _ in } }
        await main(nil)
    }

    @Option(name: .customLong("model"), parsing: .singleValue,
            help: ArgumentHelp("A model to serve, as NAME=DIRECTORY (or DIRECTORY: named after its last path component), or with versions as NAME=VERSION:DIRECTORY,VERSION:DIRECTORY… (the first the primary); repeat for more.", valueName: "name=dir"))
    var models: [String] = []
    @Option(name: .customLong("canary"), parsing: .singleValue,
            help: ArgumentHelp("Route PERCENT of a model's requests (those naming no version) to one of its versions, as NAME=VERSION:PERCENT; requests with the same X-Request-Key header go the same way.", valueName: "name=version:percent"))
    var canaries: [String] = []
    @Option(name: .customLong("shadow"), parsing: .singleValue,
            help: ArgumentHelp("Run one of a model's versions beside its primary on every answered request, in the background, as NAME=VERSION; /metrics counts agreements and flips.", valueName: "name=version"))
    var shadows: [String] = []
    @Option(help: "The address to listen on; 0.0.0.0 for every interface.") var host = "127.0.0.1"
    @Option(help: "The port; 0 picks a free one (printed on standard error).") var port = 8080
    @Option(help: "The most texts in one model pass.") var maxBatch = 256
    @Option(help: "Milliseconds a pass waits for more requests (0: it starts as soon as the model is free).")
    var maxWaitMs = 0
    @Option(help: "The largest request body in bytes (413 above).") var maxBodyBytes = 4 << 20
    @Option(help: "The most texts per request (422 above).") var maxTexts = 1_000
    @Option(help: "UTF-8 bytes of one text kept; a longer text is cut at the end the model's truncation drops.")
    var maxTextBytes = 100_000
    @Option(help: "The most texts waiting per model (503 above: retry later).") var maxQueuedTexts = 50_000
    @Option(help: "Milliseconds before a request is answered 504, reading its body included.") var timeoutMs = 10_000
    @Option(help: "The most requests at once (429 above).") var maxConcurrent = 1_024
    @Option(help: "Seconds requests in flight may take to finish after SIGTERM.") var drainTimeout = 30.0
    @Option(help: "The most open connections; more are closed at once.") var maxConnections = 2_048
    @Option(help: "Milliseconds a client may read nothing of its answer before it is cut off.") var writeTimeoutMs = 10_000
    @Option(help: "MiB that request bodies (4 bytes per byte received) and answers in flight may hold together (503 above).")
    var maxBytesInFlightMb = 512
    @Option(help: "The largest answer in bytes (413 above).") var maxAnswerBytes = 32 << 20
    @Option(help: "Explain: UTF-8 bytes of one text kept.") var maxExplainTextBytes = 10_000
    @Option(help: "Explain: the most model sequences one request may cost (one per text, and by occlusion one per token too; 422 above).")
    var maxExplainSequences = 20_000
    @Option(help: "Explain: requests computed at once, on threads of their own (503 above).") var maxConcurrentExplains = 1
    @Option(help: ArgumentHelp("A file whose first line is the secret that turns on the admin routes (reload, promote, rollback, rollout); requests send Authorization: Bearer SECRET. Without it, they are off.", valueName: "file"))
    var adminTokenFile: String?
    @Option(help: "The longest maxLength of a model served: each text of a pass is padded to it.") var maxModelLength = 10_000
    @Option(help: "Log level: trace, debug, info (each request), notice, warning, error.") var logLevel = "info"

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model NAME=DIRECTORY") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        for (value, name) in [(maxBatch, "--max-batch"), (maxBodyBytes, "--max-body-bytes"), (maxTexts, "--max-texts"),
                              (maxTextBytes, "--max-text-bytes"), (maxQueuedTexts, "--max-queued-texts"),
                              (timeoutMs, "--timeout-ms"), (maxConcurrent, "--max-concurrent")] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        for (value, name) in [(maxConnections, "--max-connections"), (writeTimeoutMs, "--write-timeout-ms"),
                              (maxBytesInFlightMb, "--max-bytes-in-flight-mb"), (maxAnswerBytes, "--max-answer-bytes"),
                              (maxExplainTextBytes, "--max-explain-text-bytes"), (maxExplainSequences, "--max-explain-sequences"),
                              (maxConcurrentExplains, "--max-concurrent-explains"), (maxModelLength, "--max-model-length")] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        // Durations are bounded so that none overflows when converted (a day is plenty).
        for (value, name) in [(maxWaitMs, "--max-wait-ms"), (timeoutMs, "--timeout-ms"), (writeTimeoutMs, "--write-timeout-ms")]
        where value > 86_400_000 {
            throw ValidationError("\(name) must be at most 86400000 (a day)")
        }
        guard maxWaitMs >= 0 else { throw ValidationError("--max-wait-ms must be at least 0") }
        guard drainTimeout.isFinite, (0...86_400).contains(drainTimeout) else {
            throw ValidationError("--drain-timeout must be from 0 to 86400 seconds")
        }
        guard maxBytesInFlightMb <= 1 << 30 else { throw ValidationError("--max-bytes-in-flight-mb must be at most \(1 << 30)") }
        guard maxBodyBytes.multipliedReportingOverflow(by: 4).partialValue <= maxBytesInFlightMb << 20,
              maxBodyBytes <= Int.max / 4 else {
            throw ValidationError("--max-body-bytes × 4 must fit in --max-bytes-in-flight-mb: a body as large as allowed could never be read")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical") }
    }

    /// `NAME=DIR`, `DIR` or `NAME=VERSION:DIR,VERSION:DIR…`, each name once, each version of
    /// a model once, each directory a model directory (checked before listening: a typo fails
    /// at once, not on the first request); then the rollouts of `--canary` and `--shadow`.
    func servedModels() throws -> [ServerConfiguration.Model] {
        func isName(_ text: some StringProtocol) -> Bool {
            !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        }
        var seen = Set<String>()
        var served = try models.map { spec in
            let (name, value) = spec.firstIndex(of: "=").map { (String(spec[..<$0]), String(spec[spec.index(after: $0)...])) }
                ?? (URL(fileURLWithPath: spec).lastPathComponent, spec)
            guard isName(name) else {
                throw TextClassificationError.invalidArgument(name: "--model", value: spec,
                                                              expected: "NAME=DIRECTORY with a NAME of letters, digits, '-', '_' or '.'")
            }
            guard seen.insert(name).inserted else {
                throw TextClassificationError.invalidArgument(name: "--model", value: spec, expected: "each NAME once")
            }
            // Versions when every comma-separated part is VERSION:DIRECTORY with a VERSION that
            // is a name; a directory whose name holds ':' is written ./a:b.
            let parts = value.split(separator: ",", omittingEmptySubsequences: false)
            let versioned = parts.allSatisfy { part in part.firstIndex(of: ":").map { isName(part[..<$0]) } ?? false }
            let versions = versioned
                ? parts.map { part in
                    let colon = part.firstIndex(of: ":")!
                    return ServerConfiguration.Version(name: String(part[..<colon]),
                                                       directory: URL(fileURLWithPath: String(part[part.index(after: colon)...])))
                }
                : [ServerConfiguration.Version(name: ServerConfiguration.Version.defaultName, directory: URL(fileURLWithPath: value))]
            guard Set(versions.map(\.name)).count == versions.count else {
                throw TextClassificationError.invalidArgument(name: "--model", value: spec, expected: "each VERSION of a model once")
            }
            for (k, version) in versions.enumerated() {
                let path = versioned ? String(parts[k].drop { $0 != ":" }.dropFirst()) : value  // as given, for the error
                guard FileManager.default.fileExists(atPath: version.directory.appendingPathComponent("config.json").path) else {
                    throw TextClassificationError.cannotRead(file: path, reason: "not a model directory (no config.json); write one with textclf fit")
                }
            }
            return ServerConfiguration.Model(name: name, versions: versions)
        }
        for (option, specs) in [("--canary", canaries), ("--shadow", shadows)] {
            for spec in specs {
                let expected = option == "--canary" ? "NAME=VERSION:PERCENT, PERCENT from 0 to 100" : "NAME=VERSION"
                guard let equals = spec.firstIndex(of: "=") else {
                    throw TextClassificationError.invalidArgument(name: option, value: spec, expected: expected)
                }
                let name = String(spec[..<equals])
                var version = String(spec[spec.index(after: equals)...])
                guard let k = served.firstIndex(where: { $0.name == name }) else {
                    throw TextClassificationError.invalidArgument(name: option, value: spec, expected: "the NAME of a --model")
                }
                var rollout = ServerConfiguration.Rollout.shadow(version: version)
                if option == "--canary" {
                    guard let colon = version.lastIndex(of: ":"), let percent = Double(version[version.index(after: colon)...]),
                          (0...100).contains(percent) else {
                        throw TextClassificationError.invalidArgument(name: option, value: spec, expected: expected)
                    }
                    version = String(version[..<colon])
                    rollout = .canary(version: version, share: percent / 100)
                }
                guard served[k].versions.dropFirst().contains(where: { $0.name == version }) else {
                    throw TextClassificationError.invalidArgument(name: option, value: spec,
                                                                  expected: "a VERSION of model \(name) other than its first (the primary): "
                                                                      + served[k].versions.dropFirst().map(\.name).joined(separator: ", "))
                }
                guard served[k].rollout == nil else {
                    throw TextClassificationError.invalidArgument(name: option, value: spec, expected: "one --canary or --shadow per model")
                }
                served[k].rollout = rollout
            }
        }
        return served
    }

    /// `topics`, or with versions `topics (stable primary, next canary 5%)`: what the startup
    /// line says.
    static func described(_ model: ServerConfiguration.Model) -> String {
        guard model.versions.count > 1 else { return model.name }
        let others = model.versions.dropFirst().map { version -> String in
            switch model.rollout {
            case .canary(version.name, let share)?: "\(version.name) canary " + String(format: "%g%%", share * 100)
            case .shadow(version.name)?: "\(version.name) shadow"
            default: "\(version.name) standby"
            }
        }
        return "\(model.name) (\(model.versions[0].name) primary, " + others.joined(separator: ", ") + ")"
    }

    /// The secret in `path`: its first line, at least 16 bytes. The file, not the command
    /// line, holds it: any user can read a process's arguments in /proc.
    static func adminToken(from path: String) throws -> String {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TextClassificationError.cannotRead(file: path, reason: "the admin token file cannot be read as UTF-8 text")
        }
        let token = String(text.prefix { $0 != "\n" && $0 != "\r" }).trimmingCharacters(in: .whitespaces)
        guard token.utf8.count >= 16, !token.contains(where: { $0.isWhitespace }) else {
            throw TextClassificationError.invalidArgument(name: "--admin-token-file", value: path,
                                                          expected: "a file whose first line is a secret of at least 16 characters without spaces (e.g. openssl rand -hex 32)")
        }
        return token
    }

    func run() async throws {
        let served: [ServerConfiguration.Model]
        do { served = try servedModels() } catch let error as TextClassificationError { fail(error) }
        var configuration = ServerConfiguration(models: served)
        configuration.host = host
        configuration.port = port
        configuration.maxBatch = maxBatch
        configuration.maxWait = .milliseconds(maxWaitMs)
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxTexts = maxTexts
        configuration.maxTextBytes = maxTextBytes
        configuration.maxQueuedTexts = maxQueuedTexts
        configuration.requestTimeout = .milliseconds(timeoutMs)
        configuration.maxConcurrentRequests = maxConcurrent
        configuration.drainTimeout = .milliseconds(Int64(drainTimeout * 1000))
        configuration.maxConnections = maxConnections
        configuration.writeTimeout = .milliseconds(writeTimeoutMs)
        configuration.maxBytesInFlight = maxBytesInFlightMb << 20
        configuration.maxAnswerBytes = maxAnswerBytes
        configuration.maxExplainTextBytes = maxExplainTextBytes
        configuration.maxExplainSequences = maxExplainSequences
        configuration.maxConcurrentExplains = maxConcurrentExplains
        configuration.maxModelLength = maxModelLength
        if let adminTokenFile {
            do { configuration.adminToken = try Self.adminToken(from: adminTokenFile) } catch let error as TextClassificationError { fail(error) }
        }
        var logger = Logger(label: "textclf.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let server = ClassifierServer(configuration: configuration, logger: logger)
        do {
            try await server.run(onListening: { port in
                printError("textclf: serving \(served.map(Self.described).joined(separator: ", ")) on http://\(host):\(port)")
            })
        } catch let error as ServiceError {
            printError("textclf: error: \(error.message)")  // a model that did not load: why
            throw ExitCode(1)
        } catch {
            printError("textclf: error: \(error)")
            throw ExitCode(1)
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A bad `--model`: the message and exit code `textclf` gives such errors (64 usage, 66 missing input).
func fail(_ error: TextClassificationError) -> Never {
    printError("textclf: error: \(error.errorDescription ?? "\(error)")")
    if case .cannotRead = error { exit(66) }
    exit(64)
}
