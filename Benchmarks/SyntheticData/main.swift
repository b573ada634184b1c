// prima-synthetic-data: writes a synthetic dataset to a folder, for Scripts/reference/synthetic_separability.py
// (which measures how well photos, metadata and both separate the classes) or for a look at the files.
//
// Usage: prima-synthetic-data pad|aqua FOLDER [--count N] [--seed S] [--png]
//   pad: SyntheticPADUFES with N photos (default 2298, the real dataset's size);
//   aqua: SyntheticAQUA with N patients (default 400); --png writes PNG instead of JPEG photos.
import Foundation
import PRIMAData

func fail(_ message: String, status: Int32 = 64) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(status)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, ["pad", "aqua"].contains(arguments[0]) else {
    fail("usage: prima-synthetic-data pad|aqua FOLDER [--count N] [--seed S] [--png]")
}
let kind = arguments.removeFirst(), folder = URL(fileURLWithPath: arguments.removeFirst())
var count: Int?, seed: UInt64 = 0, png = false
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--count":
        guard let value = arguments.first.flatMap({ Int($0) }), value > 0 else { fail("--count needs a positive number") }
        count = value
        arguments.removeFirst()
    case "--seed":
        guard let value = arguments.first.flatMap({ UInt64($0) }) else { fail("--seed needs a non-negative number") }
        seed = value
        arguments.removeFirst()
    case "--png": png = true
    default: fail("unknown argument \(argument)")
    }
}
guard !FileManager.default.fileExists(atPath: folder.path) else { fail("\(folder.path) exists; choose a new folder") }

do {
    if kind == "pad" {
        let records = try SyntheticPADUFES.write(to: folder, .init(imageCount: count ?? 2298, seed: seed))
        print("wrote \(records.count) photos to \(folder.path)")
    } else {
        let photos = try SyntheticAQUA.write(to: folder, .init(patientCount: count ?? 400, seed: seed, photoFormat: png ? .png : .jpeg))
        print("wrote \(photos) photos of \(count ?? 400) patients to \(folder.path)")
    }
} catch {
    fail("\(error)", status: 1)
}
