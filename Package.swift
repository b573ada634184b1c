// swift-tools-version: 6.0
// PRIMA-Swift: Pre-training with Risk-integrated Image-Metadata Alignment, in Swift.
// Layers (dependencies point down only):
//   PRIMAExperiments → PRIMAKnowledge → PRIMAFusion → PRIMAAlign → PRIMAVision | PRIMAText → PRIMAData → PRIMANN → PRIMATensor → CPRIMAKernels, COpenBLAS, CPRIMAOneDNN (oneDNN)
import Foundation
import PackageDescription

// MPI (scale-out over processes and machines) needs Open MPI's headers (Debian `libopenmpi-dev openmpi-bin`);
// SwiftPM builds every target of the package, so the MPI targets exist only with `PRIMA_WITH_MPI=1` and
// everything else builds without MPI. See Documentation/Distributed.md.
let withMPI = ProcessInfo.processInfo.environment["PRIMA_WITH_MPI"] == "1"

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
        .library(name: "PRIMAKnowledge", targets: ["PRIMAKnowledge"]),
        .library(name: "PRIMAExperiments", targets: ["PRIMAExperiments"]),
        .executable(name: "prima-padufes", targets: ["prima-padufes"]),
        .executable(name: "prima-aqua", targets: ["prima-aqua"]),
        .executable(name: "prima-knowledge", targets: ["prima-knowledge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (Scripts/docs.sh); a command plugin, never linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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
        // libjpeg-turbo from the system (Debian `libjpeg62-turbo-dev`): JPEG images of the datasets.
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),
        // PNG and JPEG decoding in C, so that libpng's and libjpeg's setjmp/longjmp error handling stays out of Swift.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"], path: "Sources/CImageCodecs",
                linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),
        // Vectorised math kernels in C: compiled for AVX2/FMA and AVX-512 with a runtime-dispatched
        // fallback (function multiversioning), which Swift code cannot get without unsafe flags.
        .target(name: "CPRIMAKernels", path: "Sources/CPRIMAKernels", linkerSettings: [.linkedLibrary("m")]),
        // The native bfloat16 GEMM in C over oneDNN's matmul primitive (the system's oneDNN: Debian `libdnnl-dev`,
        // Homebrew `onednn`), which runs bf16 products natively on CPUs with AVX-512 BF16 or AMX.
        .target(name: "CPRIMAOneDNN", path: "Sources/CPRIMAOneDNN", linkerSettings: [.linkedLibrary("dnnl")]),
        .target(
            name: "PRIMATensor",
            dependencies: ["COpenBLAS", "CPRIMAKernels", "CPRIMAOneDNN"],
            path: "Sources/PRIMATensor"
        ),
        .target(
            name: "PRIMANN",
            dependencies: ["PRIMATensor", .product(name: "Logging", package: "swift-log")],
            path: "Sources/PRIMANN"
        ),
        .target(name: "PRIMAData", dependencies: ["PRIMANN", "CPNG", "CImageCodecs"], path: "Sources/PRIMAData"),
        .target(name: "PRIMAVision", dependencies: ["PRIMANN", "PRIMAData"], path: "Sources/PRIMAVision"),
        .target(name: "PRIMAText", dependencies: ["PRIMANN", "PRIMAData", .product(name: "Logging", package: "swift-log")], path: "Sources/PRIMAText"),
        .target(name: "PRIMAAlign", dependencies: ["PRIMAVision", "PRIMAText", .product(name: "Logging", package: "swift-log")],
                path: "Sources/PRIMAAlign"),
        .target(name: "PRIMAFusion", dependencies: ["PRIMAAlign"], path: "Sources/PRIMAFusion"),
        // Stage 1: knowledge corpus (retrieval, generation, vetting) and text-encoder refinement.
        .target(name: "PRIMAKnowledge", dependencies: ["PRIMAText", "PRIMAFusion", "PRIMAData", "PRIMANN", "PRIMATensor",
                                                       .product(name: "Logging", package: "swift-log")],
                path: "Sources/PRIMAKnowledge",
                resources: [.copy("Resources/starting_corpus.jsonl")]),
        // Cross-validation harness, baselines, result tables and plots shared by the example executables.
        .target(
            name: "PRIMAExperiments",
            dependencies: ["PRIMAData", "PRIMANN", "PRIMAVision", "PRIMAText", "PRIMAAlign", "PRIMAFusion", "PRIMAKnowledge",
                           .product(name: "Logging", package: "swift-log")],
            path: "Sources/PRIMAExperiments"
        ),

        // Example executables: thin command-line front ends over PRIMAExperiments (public API only), sharing
        // their options and error handling through PRIMAExampleSupport.
        .target(
            name: "PRIMAExampleSupport",
            dependencies: ["PRIMAExperiments", "PRIMAData", "PRIMAAlign", "PRIMAKnowledge", "PRIMAFusion", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Examples/Shared"
        ),
        .executableTarget(
            name: "prima-padufes",
            dependencies: ["PRIMAExampleSupport", "PRIMAExperiments", "PRIMAData",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/PADUFES20"
        ),
        .executableTarget(
            name: "prima-aqua",
            dependencies: ["PRIMAExampleSupport", "PRIMAExperiments", "PRIMAData",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/AQUA"
        ),
        // Stage 1 from the command line: index documents, search, review the corpus, refine the text encoder.
        .executableTarget(
            name: "prima-knowledge",
            dependencies: ["PRIMAKnowledge", "PRIMAText", "PRIMAData", "PRIMANN",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/Knowledge",
            exclude: ["README.md"]
        ),

        .executableTarget(
            name: "prima-bench",
            dependencies: ["PRIMATensor", "PRIMANN", "PRIMAVision", "PRIMAText", "PRIMAFusion", "COpenBLAS"],
            path: "Benchmarks/Swift"
        ),
        // Tokenizer throughput (sentences per second, one thread) against Benchmarks/Tokenizers/bench_tokenizers.py.
        .executableTarget(
            name: "prima-tokenizer-bench",
            dependencies: ["PRIMAText", "PRIMAData"],
            path: "Benchmarks/Tokenizers",
            exclude: ["bench_tokenizers.py"]
        ),

        // One photo through decoding and DINOv3's evaluation transform (Benchmarks/large-image.sh measures it).
        .executableTarget(name: "prima-image-bench", dependencies: ["PRIMATensor", "PRIMAData", "PRIMAVision"], path: "Benchmarks/ImageDecoding"),
        // One stage-3 training step on a Qwen3-0.6B/1.7B-shaped model, for peak memory (Benchmarks/fusion-memory.sh).
        .executableTarget(name: "prima-fusion-memory", dependencies: ["PRIMAFusion", "PRIMAAlign", "PRIMAText", "PRIMANN", "PRIMATensor"],
                          path: "Benchmarks/FusionMemory"),
        // Loading and the inference / stage-2 rows with float32 or bfloat16 frozen weights, for peak memory (Benchmarks/frozen-memory.sh).
        .executableTarget(name: "prima-frozen-memory", dependencies: ["PRIMAAlign", "PRIMAText", "PRIMAVision", "PRIMANN", "PRIMATensor"],
                          path: "Benchmarks/FrozenMemory"),
        // A synthetic dataset written to a folder, for Scripts/reference/synthetic_separability.py.
        .executableTarget(name: "prima-synthetic-data", dependencies: ["PRIMAData"], path: "Benchmarks/SyntheticData"),
        // Long fuzzing of every file parser (seed and iteration count as arguments); see Documentation/Robustness.md.
        .executableTarget(
            name: "prima-fuzz",
            dependencies: ["PRIMATestSupport", "PRIMATensor", "PRIMAData", "PRIMAText", "PRIMAVision", "PRIMAFusion"],
            path: "Benchmarks/Fuzz"
        ),

        // Fixture loading, tolerances and gradient checks shared by the test targets.
        .target(name: "PRIMATestSupport", dependencies: ["PRIMATensor"], path: "Tests/PRIMATestSupport"),
        .testTarget(name: "PRIMATensorTests", dependencies: ["PRIMATensor", "PRIMATestSupport"], path: "Tests/PRIMATensorTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMANNTests", dependencies: ["PRIMANN", "PRIMATestSupport"], path: "Tests/PRIMANNTests",
                    resources: [.copy("Fixtures")]),
        // Depends on the executables so that they are built before their command-line tests run.
        .testTarget(name: "PRIMAExperimentsTests",
                    dependencies: ["PRIMAExperiments", "PRIMAData", "PRIMAVision", "PRIMAText", "PRIMAAlign", "PRIMAFusion", "PRIMAKnowledge",
                                   "PRIMATestSupport", "prima-padufes", "prima-aqua"],
                    path: "Tests/PRIMAExperimentsTests"),
        .testTarget(name: "PRIMAAlignTests", dependencies: ["PRIMAAlign", "PRIMATestSupport"], path: "Tests/PRIMAAlignTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMAKnowledgeTests", dependencies: ["PRIMAKnowledge", "PRIMAText", "PRIMAData", "PRIMANN", "PRIMATensor", "PRIMATestSupport", "prima-knowledge"], path: "Tests/PRIMAKnowledgeTests",
                    resources: [.copy("Fixtures")]),
        // Tiny stage-3 models and random features, shared by PRIMAFusionTests and the MPI checks.
        .target(name: "PRIMAFusionTestSupport", dependencies: ["PRIMAFusion"], path: "Tests/PRIMAFusionTestSupport"),
        .testTarget(name: "PRIMAFusionTests", dependencies: ["PRIMAFusion", "PRIMAFusionTestSupport", "PRIMATestSupport"], path: "Tests/PRIMAFusionTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMATextTests", dependencies: ["PRIMAText", "PRIMATestSupport"], path: "Tests/PRIMATextTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMADataTests", dependencies: ["PRIMAData", "PRIMATestSupport"], path: "Tests/PRIMADataTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PRIMAVisionTests", dependencies: ["PRIMAVision", "PRIMATestSupport"], path: "Tests/PRIMAVisionTests",
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)

if withMPI {
    package.products += [
        .library(name: "PRIMADistributed", targets: ["PRIMADistributed"]),
    ]
    package.targets += [
        // Open MPI from the system: pkg-config `ompi-c` gives the include path of mpi.h and the library.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]),
        // MPICommunicator: PRIMANN's DataParallelCommunicator over MPI. Nothing else depends on it.
        .target(name: "PRIMADistributed", dependencies: ["CMPI", "PRIMANN"], path: "Sources/PRIMADistributed"),
        // The multi-process checks Scripts/test-mpi.sh runs under mpirun (data-parallel parity, bad input).
        .executableTarget(name: "prima-mpi-checks",
                          dependencies: ["PRIMADistributed", "PRIMAAlign", "PRIMAExperiments", "PRIMAFusion", "PRIMAFusionTestSupport", "PRIMAData",
                                         "PRIMANN", "PRIMATensor", "PRIMAText"],
                          path: "Tests/MPI"),
        // Data-parallel scaling of one stage-2 step (Benchmarks/mpi-scaling.sh).
        .executableTarget(name: "prima-mpi-bench",
                          dependencies: ["PRIMADistributed", "PRIMAAlign", "PRIMAVision", "PRIMAText", "PRIMANN", "PRIMATensor"],
                          path: "Benchmarks/MPI"),
    ]
    // The example executables spread their folds over the ranks when started by mpirun (Examples/Shared/ProcessGroup.swift).
    if let support = package.targets.first(where: { $0.name == "PRIMAExampleSupport" }) {
        support.dependencies.append("PRIMADistributed")
        support.swiftSettings = (support.swiftSettings ?? []) + [.define("PRIMA_WITH_MPI")]
    }
}

