// swift-tools-version:6.0
// A package that depends on textclf as a user's package would: by path here (by URL in a real
// project), built with a plain `swift build`, no flags. It trains the Keras seed example and
// prints the kernel path the library chose (CI builds and runs it: Scripts/example.sh).
import Foundation
import PackageDescription

// A path dependency is named after its folder: the clone's folder name, whatever it is.
let textclf = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "SeedExample",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "SeedExample",
                          dependencies: [.product(name: "TextClassification", package: textclf)]),
    ]
)
