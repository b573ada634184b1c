// prima-image-bench: one photo through the default image pipeline — decode, then DINOv3's evaluation
// transform (rescale, antialiased resize to 224 × 224, normalise) — to measure time and, under GNU time,
// peak memory. Benchmarks/large-image.sh generates a large photo and runs it with and without the size hint.
//
// Usage: prima-image-bench FILE [--minimum-side N | --full] [--max-pixels N]
//   default: the hint the batch pipeline passes (twice the model side: 448);
//   --full: no hint, every pixel decoded (what the pipeline did before the hint existed).
import Foundation
import PRIMAData
import PRIMATensor
import PRIMAVision

var arguments = Array(CommandLine.arguments.dropFirst())
guard let path = arguments.first, !path.hasPrefix("-") else {
    print("usage: prima-image-bench FILE [--minimum-side N | --full] [--max-pixels N]")
    exit(64)
}
arguments.removeFirst()
var options = ImageDecodingOptions(minimumSide: 2 * DINOv3Preprocessing.imageSize)
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--full": options.minimumSide = nil
    case "--minimum-side": options.minimumSide = Int(arguments.removeFirst())
    case "--max-pixels": options.maximumPixelCount = Int(arguments.removeFirst()) ?? options.maximumPixelCount
    default: print("unknown argument \(argument)"); exit(64)
    }
}

let start = Date()
do {
    let image = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: path), options: options)
    let decoded = Date()
    var rng = RandomGenerator(seed: 0)
    let tensor = try DINOv3Preprocessing.evaluationTransform()(image, &rng)
    let end = Date()
    func seconds(_ a: Date, _ b: Date) -> String { String(format: "%.2f s", b.timeIntervalSince(a)) }
    print("decoded \(image.width) x \(image.height) in \(seconds(start, decoded)), transformed to \(tensor.shape) in \(seconds(decoded, end)), total \(seconds(start, end))")
} catch {
    print("refused after \(String(format: "%.3f", Date().timeIntervalSince(start))) s: \(error)")
    exit(1)
}
