// swift-tools-version: 6.0
// PRIMA-Swift: Pre-training with Risk-integrated Image-Metadata Alignment, in Swift.
// Layers (dependencies point down only):
//   PRIMAFusion → PRIMAAlign → PRIMAVision | PRIMAText → PRIMAData → PRIMANN → PRIMATensor → CPRIMAKernels, COpenBLAS
import PackageDescription

let package = Package(
    name: "PRIMA",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PRIMATensor", targets: ["PRIMATensor"]),
        .library(name: "PRIMANN", targets: ["PRIMANN"]),
        .library(name: "PRIMAData", targets: ["PRIMAData"]),
        .library(name: "PRIMAVision", targets: ["PRIMAVision"]),
        .library(name: "PRIMAText", targets: ["PRIMAText"]),
        .library(name: "PRIMAAlign", targets: ["PRIMAAlign"]),
        .library(name: "PRIMAFusion", targets: ["PRIMAFusion"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // OpenBLAS (cblas.h) and LAPACKE from the system: Debian `libopenblas-dev liblapacke-dev`.
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // libpng from the system (Debian `libpng-dev`): PNG images of the datasets.
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        // Vectorised math kernels in C: compiled for AVX2/FMA and AVX-512 with a runtime-dispatched
        // fallback (function multiversioning), which Swift code cannot get without unsafe flags.
        .target(name: "CPRIMAKernels", path: "Sources/CPRIMAKernels", linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "PRIMATensor",
            dependencies: ["COpenBLAS", "CPRIMAKernels"],
            path: "Sources/PRIMATensor"
        ),
        .target(
            name: "PRIMANN",
            dependencies: ["PRIMATensor", .product(name: "Logging", package: "swift-log")],
            path: "Sources/PRIMANN"
        ),
        .target(name: "PRIMAData", dependencies: ["PRIMANN", "CPNG"], path: "Sources/PRIMAData"),
        .target(name: "PRIMAVision", dependencies: ["PRIMANN", "PRIMAData"], path: "Sources/PRIMAVision"),
        .target(name: "PRIMAText", dependencies: ["PRIMANN", "PRIMAData", .product(name: "Logging", package: "swift-log")], path: "Sources/PRIMAText"),
        .target(name: "PRIMAAlign", dependencies: ["PRIMAVision", "PRIMAText"], path: "Sources/PRIMAAlign"),
        .target(name: "PRIMAFusion", dependencies: ["PRIMAAlign"], path: "Sources/PRIMAFusion"),

        .executableTarget(
            name: "prima-bench",
            dependencies: ["PRIMATensor", "PRIMANN", "PRIMAText", "COpenBLAS"],
            path: "Benchmarks/Swift"
        ),
        // Tokenizer throughput (sentences per second, one thread) against Benchmarks/Tokenizers/bench_tokenizers.py.
        .executableTarget(
            name: "prima-tokenizer-bench",
            dependencies: ["PRIMAText", "PRIMAData"],
            path: "Benchmarks/Tokenizers",
            exclude: ["bench_tokenizers.py"]
        ),

        // Fixture loading, tolerances and gradient checks shared by the test targets.
        .target(name: "PRIMATestSupport", dependencies: ["PRIMATensor"], path: "Tests/PRIMATestSupport"),
        .testTarget(name: "PRIMATensorTests", dependencies: ["PRIMATensor", "PRIMATestSupport"], path: "Tests/PRIMATensorTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMANNTests", dependencies: ["PRIMANN", "PRIMATestSupport"], path: "Tests/PRIMANNTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMATextTests", dependencies: ["PRIMAText", "PRIMATestSupport"], path: "Tests/PRIMATextTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMADataTests", dependencies: ["PRIMAData", "PRIMATestSupport"], path: "Tests/PRIMADataTests",
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
