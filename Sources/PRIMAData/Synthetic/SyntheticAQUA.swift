import Foundation
import PRIMATensor

/// Writes an AQUA look-alike in the ``AQUA`` layout with the ``AQUA/keratitisSchema``: patients with a few
/// slit-lamp-like JPEG photos (AQUA-style folders are mostly JPEG) under three illuminations, bacterial or
/// fungal keratitis. Deterministic by seed.
///
/// - A patient's ulcer takes one of three appearances drawn from the class's mix (`AQUAAppearances`): feathery
///   grey-white with an irregular border (mostly fungal), dense yellow-white and round (mostly bacterial), or an
///   intermediate look shared by both, so photos alone leave many patients ambiguous.
/// - The risk factors follow the shipped knowledge corpus (`AQUARiskFactors`, one row per field citing its
///   corpus entry): contact lenses favour bacteria; plant trauma, farm work, steroid drops and a longer history
///   favour fungi. None of them is in the photos.
///
/// Documentation/SyntheticData.md gives the measured separability of photos, metadata and both.
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
        /// The photos' file format (JPEG by default, as in AQUA-style folders).
        public var photoFormat: ImageDecoder.Format

        /// Defaults: 400 patients with 2–3 JPEG photos of 40–64 pixels a side, half fungal.
        public init(patientCount: Int = 400, seed: UInt64 = 0, photosPerPatient: ClosedRange<Int> = 2...3,
                    imageSides: ClosedRange<Int> = 40...64, fungalFraction: Double = 0.5, photoFormat: ImageDecoder.Format = .jpeg) {
            self.patientCount = patientCount
            self.seed = seed
            self.photosPerPatient = photosPerPatient
            self.imageSides = imageSides
            self.fungalFraction = fungalFraction
            self.photoFormat = photoFormat
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
            let look = AQUAAppearances.look(fungal: fungal, using: &rng)
            let count = rng.nextInt(in: config.photosPerPatient.lowerBound..<(config.photosPerPatient.upperBound + 1))
            for k in 0..<count {
                let illumination = AQUA.illuminations[k % AQUA.illuminations.count]
                let path = "images/\(id)_\(k + 1)_\(illumination).\(config.photoFormat == .jpeg ? "jpg" : "png")"
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
                do {
                    switch config.photoFormat {
                    case .jpeg: try JPEGEncoder.write(image, to: url, quality: 90)
                    case .png: try PNGEncoder.write(image, to: url)
                    }
                } catch {
                    failures.value[i] = error as? DataError ?? DataError(.io, file: url.path, "\(error)")
                }
            }
        }
        if let error = (0..<jobs.count).lazy.compactMap({ failures.value[$0] }).first { throw error }
        return jobs.count
    }

    /// Cells of the keratitis schema's fields, in schema order, drawn from `AQUARiskFactors`; some answers
    /// are missing.
    private static func patientCells(fungal: Bool, using rng: inout RandomGenerator) -> [String] {
        let table = AQUARiskFactors.relations, c = fungal ? 1 : 0
        func missing() -> Bool { rng.chance(0.05) }
        func yesNo(_ value: Bool) -> String { value ? "True" : "False" }
        let trauma = table["ocular_trauma"].answer(forClass: c, using: &rng)
        let plant = trauma && table["plant_trauma"].answer(forClass: c, using: &rng)
        var cells: [String] = []
        for field in AQUA.keratitisSchema.fields.map(\.name) {
            let value: String
            switch field {
            case "age": value = String(Int(min(90, max(8, table[field].number(forClass: c, using: &rng))).rounded()))
            case "gender": value = table[field].value(forClass: c, from: ["FEMALE", "MALE"], using: &rng)
            case "ocular_trauma": value = yesNo(trauma)
            case "plant_trauma": value = yesNo(plant)
            case "symptom_days": value = String(Int(min(90, max(1, table[field].number(forClass: c, using: &rng))).rounded()))
            case "ulcer_size_mm":
                let size = min(12, max(0.5, table[field].number(forClass: c, using: &rng)))
                value = MetadataTextRenderer.formatNumber((size * 10).rounded() / 10)
            default: value = yesNo(table[field].answer(forClass: c, using: &rng))
            }
            cells.append(field == "age" || field == "gender" || !missing() ? value : "")
        }
        return cells
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

/// What the synthetic AQUA photos show: one of three ulcer appearances per patient, drawn from the class's mix.
enum AQUAAppearances {
    /// Feathery grey-white with an irregular border and satellite speckles; dense yellow-white, round, pale
    /// centre; an intermediate cream ulcer with a smooth border.
    static let prototypes: [(color: (Double, Double, Double), irregularity: Double, texture: Int)] = [
        ((0.80, 0.80, 0.74), 0.45, 1),
        ((0.97, 0.92, 0.70), 0.10, 4),
        ((0.88, 0.86, 0.72), 0.25, 0),
    ]
    /// Weights of the appearances for bacterial and for fungal keratitis.
    static let mix: [[Double]] = [[0.10, 0.65, 0.25], [0.65, 0.10, 0.25]]

    /// A patient's ulcer look, shared by all of their photos.
    static func look(fungal: Bool, using rng: inout RandomGenerator) -> LesionLook {
        let p = prototypes[rng.choose(mix[fungal ? 1 : 0])]
        func jitter(_ x: Double) -> Double { min(1, max(0, x + rng.normal(0, 0.04))) }
        return LesionLook(color: (jitter(p.color.0), jitter(p.color.1), jitter(p.color.2)), irregularity: p.irregularity,
                          texture: p.texture, relativeRadius: 0.12 + 0.08 * rng.nextDouble(),
                          phases: (rng.nextDouble() * 6.283, rng.nextDouble() * 6.283))
    }
}
