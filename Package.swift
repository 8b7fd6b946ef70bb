// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "textclf",
    products: [
        .library(name: "TextClassification", targets: ["TextClassification"]),
        .library(name: "TextClassificationServer", targets: ["TextClassificationServer"]),
        .executable(name: "textclf", targets: ["textclf"]),
        // Its own program: SwiftNIO and Hummingbird more than double a release build, and
        // `textclf` (the README's first command) does not need them. `textclf serve` runs it.
        .executable(name: "textclf-serve", targets: ["textclf-serve"]),
    ],
    dependencies: [
        // The CLI's flags, help and exit codes; used by the executable only.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` for the DocC catalog (Scripts/docs.sh, CI);
        // a command plugin only, nothing of it is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // `textclf serve`: the HTTP server (SwiftNIO underneath), its start and graceful stop
        // (swift-service-lifecycle), its access log (swift-log) and /metrics (swift-prometheus).
        // Used by TextClassificationServer only; the library does not link them. Hummingbird's
        // swift-configuration trait is left out (nothing here reads its configuration).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: Implementation details

        // A C shim over the system ICU (libicu-dev). Its header declares only its own
        // functions: Foundation's bundled ICU clashes with the system headers, and ICU's
        // versioned macros (ubrk_open -> ubrk_open_72) cannot be imported into Swift.
        .target(
            name: "CICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icui18n")]
        ),

        // The matrix product, once per instruction set, chosen at run time (see its header).
        .target(name: "CKernels"),

        // The commit a release binary was built from (Scripts/package.sh sets it).
        .target(name: "CBuildInfo"),

        // renameat2(RENAME_EXCHANGE), for swapping a model directory in one step; the SIGBUS
        // guard of mapped model files (a file truncated under its reader).
        .target(name: "CFileSystem"),

        // textclf-serve: SIGHUP caught from before main (a constructor), so a deploy script's
        // HUP right after a restart cannot kill the server.
        .target(name: "CEarlySignals"),
        // `textclf serve`: SIGHUP blocked from before main until textclf-serve traps it.
        .target(name: "CServeLauncher"),

        // The report's charts: a small SVG writer that knows nothing of models (no maintained
        // Swift plotting library runs on Linux).
        .target(name: "SVGPlot"),

        // MARK: Public API

        .target(
            name: "TextClassification",
            dependencies: ["CICU", "CKernels", "CFileSystem", "SVGPlot"]
        ),
        // `textclf serve`: models behind an HTTP API (docs/serve.md).
        .target(
            name: "TextClassificationServer",
            dependencies: [
                "TextClassification",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "textclf-serve",
            dependencies: [
                "CEarlySignals",
                "TextClassification",
                "TextClassificationServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "textclf",
            dependencies: [
                "TextClassification",
                "CBuildInfo",
                "CServeLauncher",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests

        .testTarget(
            name: "TextClassificationTests",
            dependencies: ["TextClassification"],
            exclude: ["Fixtures"]  // read from the source tree by path (Keras golden fixtures)
        ),
        .testTarget(name: "SVGPlotTests", dependencies: ["SVGPlot"]),
        // Every route and every refusal, through Hummingbird's test client.
        .testTarget(
            name: "TextClassificationServerTests",
            dependencies: [
                "TextClassificationServer", "TextClassification",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // Runs the built `textclf` binary end to end (depending on it makes SwiftPM build it;
        // `textclf serve --help` runs textclf-serve).
        .testTarget(
            name: "textclfTests",
            dependencies: ["textclf", "textclf-serve", "TextClassification"]
        ),
    ]
)
