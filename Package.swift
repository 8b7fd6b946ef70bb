// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "textclf",
    products: [
        .library(name: "TextClassification", targets: ["TextClassification"]),
        .executable(name: "textclf", targets: ["textclf"]),
    ],
    dependencies: [
        // The CLI's flags, help and exit codes; used by the executable only.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` for the DocC catalog (Scripts/docs.sh, CI);
        // a command plugin only, nothing of it is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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

        // renameat2(RENAME_EXCHANGE), for swapping a model directory in one step.
        .target(name: "CFileSystem"),

        // The report's charts: a small SVG writer that knows nothing of models (no maintained
        // Swift plotting library runs on Linux).
        .target(name: "SVGPlot"),

        // MARK: Public API

        .target(
            name: "TextClassification",
            dependencies: ["CICU", "CKernels", "CFileSystem", "SVGPlot"]
        ),
        .executableTarget(
            name: "textclf",
            dependencies: [
                "TextClassification",
                "CBuildInfo",
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
        // Runs the built `textclf` binary end to end (depending on it makes SwiftPM build it).
        .testTarget(
            name: "textclfTests",
            dependencies: ["textclf", "TextClassification"]
        ),
    ]
)
