import Foundation
import PRIMATensor

/// Writes an AQUA look-alike in the ``AQUA`` layout with the ``AQUA/keratitisSchema``: patients with two to
/// six slit-lamp-like photos under three illuminations, bacterial or fungal keratitis, and risk factors tied
/// to the class (fungal: plant trauma, farm work, longer symptoms; bacterial: contact lenses, hypopyon).
/// Deterministic by seed.
public enum SyntheticAQUA {
    /// What to generate.
    public struct Configuration: Sendable {
        /// Number of patients.
        public var patientCount: Int
        /// The seed; the same configuration writes the same bytes.
        public var seed: UInt64
        /// Photos per patient, drawn uniformly.
        public var photosPerPatient: ClosedRange<Int>
        /// Photo width and height, each drawn uniformly.
        public var imageSides: ClosedRange<Int>
        /// Share of fungal patients.
        public var fungalFraction: Double

        /// Defaults: 60 patients with 2–6 photos of 48–80 pixels a side, half fungal.
        public init(patientCount: Int = 60, seed: UInt64 = 0, photosPerPatient: ClosedRange<Int> = 2...6,
                    imageSides: ClosedRange<Int> = 48...80, fungalFraction: Double = 0.5) {
            self.patientCount = patientCount
            self.seed = seed
            self.photosPerPatient = photosPerPatient
            self.imageSides = imageSides
            self.fungalFraction = fungalFraction
        }
    }

    /// Generates the dataset into `root`: `schema.json`, `metadata.csv`, `manifest.csv` and `images/`.
    /// - Returns: the number of photos written.
    @discardableResult
    public static func write(to root: URL, _ config: Configuration = Configuration()) throws -> Int {
        precondition(config.patientCount > 0 && config.photosPerPatient.lowerBound >= 1, "need patients with photos")
        var rng = RandomGenerator(seed: config.seed)
        let schema = AQUA.keratitisSchema
        let images = root.appendingPathComponent("images")
        do {
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(schema).write(to: root.appendingPathComponent("schema.json"), options: .atomic)
        } catch { throw DataError(.io, file: root.path, "cannot write the dataset: \(error.localizedDescription)") }

        var metadataRows: [[String]] = [], manifestRows: [[String]] = []
        var jobs: [(path: String, fungal: Bool, illumination: String, look: LesionLook)] = []
        for p in 1...config.patientCount {
            let id = String(format: "P%04d", p)
            let fungal = rng.chance(config.fungalFraction)
            metadataRows.append([id] + patientCells(fungal: fungal, using: &rng))
            let look = LesionLook(color: fungal ? (0.80, 0.80, 0.74) : (0.97, 0.92, 0.70),
                                  irregularity: fungal ? 0.45 : 0.1, texture: fungal ? 1 : 4,
                                  relativeRadius: 0.12 + 0.08 * rng.nextDouble(), phases: (rng.nextDouble() * 6.283, rng.nextDouble() * 6.283))
            let count = rng.nextInt(in: config.photosPerPatient.lowerBound..<(config.photosPerPatient.upperBound + 1))
            for k in 0..<count {
                let illumination = AQUA.illuminations[k % AQUA.illuminations.count]
                let path = "images/\(id)_\(k + 1)_\(illumination).png"
                manifestRows.append([id, path, illumination, schema.label.classes[fungal ? 1 : 0]])
                jobs.append((path, fungal, illumination, look))
            }
        }
        try CSVWriter.write(header: ["patient_id"] + schema.fields.map(\.name), rows: metadataRows,
                            to: root.appendingPathComponent("metadata.csv"))
        try CSVWriter.write(header: AQUA.manifestColumns, rows: manifestRows, to: root.appendingPathComponent("manifest.csv"))

        let seed = rng.next()
        let failures = UncheckedSendable(UnsafeMutablePointer<DataError?>.allocate(capacity: jobs.count))
        failures.value.initialize(repeating: nil, count: jobs.count)
        defer { failures.value.deallocate() }
        Parallel.forEachRange(jobs.count, costPerItem: 100_000) { range in
            for i in range {
                var rng = RandomGenerator(seed: seed &+ UInt64(i) &* 0x9E37_79B9)
                let side = { rng.nextInt(in: config.imageSides.lowerBound..<(config.imageSides.upperBound + 1)) }
                let width = side(), height = side()
                var image = LesionPainter.paint(width: width, height: height, look: jobs[i].look, skin: (0.45, 0.30, 0.25), using: &rng)
                illuminate(&image, jobs[i].illumination)
                let url = root.appendingPathComponent(jobs[i].path)
                do { try PNGEncoder.write(image, to: url) } catch {
                    failures.value[i] = error as? DataError ?? DataError(.io, file: url.path, "\(error)")
                }
            }
        }
        if let error = (0..<jobs.count).lazy.compactMap({ failures.value[$0] }).first { throw error }
        return jobs.count
    }

    /// Cells of the keratitis schema's fields, in schema order; some answers are missing.
    private static func patientCells(fungal: Bool, using rng: inout RandomGenerator) -> [String] {
        func yesNo(_ p: Double) -> String { rng.chance(0.05) ? "" : (rng.chance(p) ? "True" : "False") }
        let age = Int(min(90, max(8, rng.normal(fungal ? 50 : 42, 15))).rounded())
        let days = Int(max(1, rng.normal(fungal ? 16 : 6, fungal ? 8 : 3)).rounded())
        let size = max(0.5, rng.normal(fungal ? 4.5 : 3.5, 1.5))
        return [String(age), rng.chance(0.5) ? "FEMALE" : "MALE", yesNo(fungal ? 0.1 : 0.45), yesNo(fungal ? 0.6 : 0.25),
                yesNo(fungal ? 0.45 : 0.05), yesNo(fungal ? 0.5 : 0.15), yesNo(fungal ? 0.35 : 0.2), yesNo(0.15),
                yesNo(fungal ? 0.25 : 0.45), rng.chance(0.05) ? "" : String(days), MetadataTextRenderer.formatNumber((size * 10).rounded() / 10)]
    }

    /// Tints a photo by illumination: a bright vertical band on a dark field for the slit beam, a blue-green
    /// cast for cobalt blue; diffuse light leaves it as painted.
    private static func illuminate(_ image: inout RGBImage, _ illumination: String) {
        let w = image.width
        for y in 0..<image.height {
            for x in 0..<w {
                let i = 3 * (y * w + x)
                switch illumination {
                case "slit":
                    let inBeam = abs(x - w / 2) < max(2, w / 10)
                    for c in 0..<3 { image.pixels[i + c] = UInt8(Double(image.pixels[i + c]) * (inBeam ? 1 : 0.35)) }
                case "cobalt_blue":
                    image.pixels[i] = UInt8(Double(image.pixels[i]) * 0.25)
                    image.pixels[i + 1] = UInt8(min(255, Double(image.pixels[i + 1]) * 0.9))
                    image.pixels[i + 2] = UInt8(min(255, Double(image.pixels[i + 2]) * 1.2))
                default: break
                }
            }
        }
    }
}
