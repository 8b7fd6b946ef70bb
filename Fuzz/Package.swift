// swift-tools-version:6.0
// libFuzzer targets for textclf's parsers, in a package of their own so that the main build
// and `swift test` never need sanitizer flags. Each target is a shared library exporting
// LLVMFuzzerTestOneInput; Scripts/fuzz.sh links it with clang's libFuzzer driver (SwiftPM
// executables bring their own `main`, which clashes with libFuzzer's).
import Foundation
import PackageDescription

let targets = ["FuzzCSV", "FuzzTokenizer", "FuzzModelLoader"]
// A path dependency is named after its folder: the clone's folder name, whatever it is.
let textclf = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "textclf-fuzz",
    products: targets.map { .library(name: $0, type: .dynamic, targets: [$0]) },
    dependencies: [.package(path: "..")],
    targets: targets.map { .target(name: $0, dependencies: [.product(name: "TextClassification", package: textclf)]) }
)
