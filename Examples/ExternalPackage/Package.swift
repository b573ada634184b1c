// swift-tools-version: 6.0
// A package outside PRIMA-Swift that depends on it by a local path and uses only its public API: what the
// README's "Using it from another package" promises. Built by Scripts/check-external-package.sh.
import Foundation
import PackageDescription

// With a local path, SwiftPM names the dependency after its folder (the package identity), not after the
// manifest's `name: "PRIMA"`: `package:` below must be that folder's name. Read it here so that this example
// builds wherever the repository was cloned; in your own manifest just write the folder name
// (with a URL dependency it is the repository name, "PRIMA-Swift").
let primaFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardizedFileURL
let prima = primaFolder.lastPathComponent

let package = Package(
    name: "ExternalPackage",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "external-demo", dependencies: [
            .product(name: "PRIMATensor", package: prima),
            .product(name: "PRIMANN", package: prima),
            .product(name: "PRIMAData", package: prima),
            .product(name: "PRIMAText", package: prima),
        ], path: "Sources/ExternalDemo"),
    ],
    swiftLanguageModes: [.v6]
)
