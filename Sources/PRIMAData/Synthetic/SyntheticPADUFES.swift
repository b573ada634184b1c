import Foundation
import PRIMATensor

/// Writes a PAD-UFES-20 look-alike: `metadata.csv` with the same 26 columns and value domains, and PNG
/// photos of varied sizes spread over `imgs_part_1…3/`. Deterministic by seed.
///
/// - Classes keep the real proportions (ACK 730 : BCC 845 : MEL 52 : NEV 244 : SCC 192 : SEK 235) scaled to
///   ``Configuration/imageCount``; some lesions have two or three photos and some patients two lesions.
/// - Photos show one of six appearances drawn from the class's mix (`PADUFESAppearances`): they shift the
///   odds without naming the class (the keratinocyte lesions ACK, BCC and SCC share their looks; a melanoma can
///   look like a nevus).
/// - Metadata follows the shipped knowledge corpus (`PADUFESRiskFactors`, one row per field citing its corpus
///   entry): age, sex, skin type, region, diameters, history and risk factors shift the odds in the directions
///   the corpus describes. The diameters and history are not in the photos. A share of patients has no
///   questionnaire (empty cells), lesion answers are sometimes `UNK`, and `BRAZIL` is sometimes spelled `BRASIL`.
///
/// Documentation/SyntheticData.md gives the measured separability of photos, metadata and both.
public enum SyntheticPADUFES {
    /// What to generate.
    public struct Configuration: Sendable {
        /// Number of photos (rows of `metadata.csv`).
        public var imageCount: Int
        /// The seed; the same configuration writes the same bytes.
        public var seed: UInt64
        /// Photo width and height, each drawn uniformly from this range.
        public var imageSides: ClosedRange<Int>
        /// Probabilities that a lesion has 1, 2, 3… photos.
        public var photosPerLesion: [Double]
        /// Probability that a patient has a second lesion.
        public var secondLesionProbability: Double
        /// Probability that a patient's questionnaire (risk factors, Fitzpatrick, diameters) is empty.
        public var missingQuestionnaireProbability: Double

        /// Defaults: 240 photos of 48–96 pixels a side, the real dataset's photo, lesion and patient ratios.
        public init(imageCount: Int = 240, seed: UInt64 = 0, imageSides: ClosedRange<Int> = 48...96,
                    photosPerLesion: [Double] = [0.72, 0.18, 0.10], secondLesionProbability: Double = 0.17,
                    missingQuestionnaireProbability: Double = 0.3) {
            self.imageCount = imageCount
            self.seed = seed
            self.imageSides = imageSides
            self.photosPerLesion = photosPerLesion
            self.secondLesionProbability = secondLesionProbability
            self.missingQuestionnaireProbability = missingQuestionnaireProbability
        }
    }

    /// Generates the dataset into `root` (created if needed) and returns its records in file order.
    /// - Throws: ``DataError`` `.io` if a file cannot be written.
    @discardableResult
    public static func write(to root: URL, _ config: Configuration = Configuration()) throws -> [PADUFESRecord] {
        precondition(config.imageCount > 0 && config.imageSides.lowerBound >= 8, "need at least one photo of side ≥ 8")
        var rng = RandomGenerator(seed: config.seed)
        let records = makeRecords(config, using: &rng)
        do {
            for folder in PADUFES.imageFolders {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
        } catch { throw DataError(.io, file: root.path, "cannot create the image folders: \(error.localizedDescription)") }
        try CSVWriter.write(header: PADUFES.columns, rows: records.map(\.cells), to: root.appendingPathComponent("metadata.csv"))
        try writeImages(records, config: config, root: root, seed: rng.next())
        return records
    }

    /// The image folder of photo `index` of `count`: the first third in part 1, and so on.
    static func folder(of index: Int, count: Int) -> String {
        PADUFES.imageFolders[min(2, index * 3 / max(count, 1))]
    }

    // MARK: - Metadata

    private static func makeRecords(_ config: Configuration, using rng: inout RandomGenerator) -> [PADUFESRecord] {
        let classes = PADUFESDiagnosis.allCases
        let perClass = proportionalCounts(total: config.imageCount, weights: classes.map { Double(PADUFES.classCounts[$0]!) })
        // Lesions: (class, photo count), photos split from each class's total.
        var lesions: [(PADUFESDiagnosis, Int)] = []
        for (c, total) in zip(classes, perClass) {
            var left = total
            while left > 0 {
                let photos = min(left, 1 + rng.choose(config.photosPerLesion))
                lesions.append((c, photos))
                left -= photos
            }
        }
        rng.shuffle(&lesions)
        var records: [PADUFESRecord] = []
        var patient = 0, lesionID = 0, next = 0
        while next < lesions.count {
            patient += 1
            let count = next + 1 < lesions.count && rng.chance(config.secondLesionProbability) ? 2 : 1
            let profile = PatientProfile(firstClass: lesions[next].0, missing: rng.chance(config.missingQuestionnaireProbability), using: &rng)
            for (diagnosis, photos) in lesions[next..<(next + count)] {
                lesionID += 1
                let base = lesionRecord(patient: patient, lesion: lesionID, diagnosis: diagnosis, profile: profile, using: &rng)
                for _ in 0..<photos {
                    var r = base
                    r.imageID = "PAT_\(patient)_\(lesionID)_\(records.count + 1).png"
                    records.append(r)
                }
            }
            next += count
        }
        return records
    }

    private static func lesionRecord(patient: Int, lesion: Int, diagnosis d: PADUFESDiagnosis, profile: PatientProfile,
                                     using rng: inout RandomGenerator) -> PADUFESRecord {
        let table = PADUFESRiskFactors.relations, c = d.index
        func answer(_ field: String) -> Bool? { rng.chance(0.04) ? nil : table[field].answer(forClass: c, using: &rng) }
        let diameter = min(60, max(1, table["diameter_1"].number(forClass: c, using: &rng).rounded()))
        let second = max(1, (diameter * (0.6 + 0.4 * rng.nextDouble())).rounded())
        let cancer = d == .BCC || d == .MEL || d == .SCC
        return PADUFESRecord(
            patientID: "PAT_\(patient)", lesionID: lesion, smoke: profile.smoke, drink: profile.drink,
            backgroundFather: profile.backgroundFather, backgroundMother: profile.backgroundMother, age: profile.age,
            pesticide: profile.pesticide, gender: profile.gender, skinCancerHistory: profile.skinCancerHistory,
            cancerHistory: profile.cancerHistory, hasPipedWater: profile.pipedWater, hasSewageSystem: profile.sewage,
            fitzpatrick: profile.fitzpatrick, region: table["region"].value(forClass: c, from: PADUFES.regions, using: &rng),
            diameter1: profile.missing ? nil : diameter, diameter2: profile.missing ? nil : second, diagnostic: d,
            itch: answer("itch"), grew: answer("grew"), hurt: answer("hurt"), changed: answer("changed"),
            bleed: answer("bleed"), elevation: answer("elevation"),
            imageID: "", biopsed: cancer || rng.chance(d == .ACK ? 0.5 : 0.2))
    }

    // MARK: - Images

    private static func writeImages(_ records: [PADUFESRecord], config: Configuration, root: URL, seed: UInt64) throws {
        // One look per lesion, so that the photos of a lesion resemble each other.
        var looks: [Int: LesionLook] = [:]
        var lookRNG = RandomGenerator(seed: seed)
        for r in records where looks[r.lesionID] == nil { looks[r.lesionID] = PADUFESAppearances.look(for: r.diagnostic, using: &lookRNG) }
        let failures = UncheckedSendable(UnsafeMutablePointer<DataError?>.allocate(capacity: records.count))
        failures.value.initialize(repeating: nil, count: records.count)
        defer { failures.value.deallocate() }
        Parallel.forEachRange(records.count, costPerItem: 100_000) { range in
            for i in range {
                let r = records[i]
                // Each photo has its own stream, so the output does not depend on the thread split.
                var rng = RandomGenerator(seed: seed &+ UInt64(i) &* 0x9E37_79B9)
                let width = rng.nextInt(in: config.imageSides.lowerBound..<(config.imageSides.upperBound + 1))
                let height = rng.nextInt(in: config.imageSides.lowerBound..<(config.imageSides.upperBound + 1))
                let image = LesionPainter.paint(width: width, height: height, look: looks[r.lesionID]!,
                                                skin: PADUFESAppearances.skin(fitzpatrick: r.fitzpatrick), using: &rng)
                let url = root.appendingPathComponent(folder(of: i, count: records.count)).appendingPathComponent(r.imageID)
                do { try PNGEncoder.write(image, to: url) } catch {
                    failures.value[i] = error as? DataError ?? DataError(.io, file: url.path, "\(error)")
                }
            }
        }
        if let error = (0..<records.count).lazy.compactMap({ failures.value[$0] }).first { throw error }
    }
}

/// The questionnaire of one patient, shared by all of their lesions, drawn for the class of their first lesion.
private struct PatientProfile {
    let missing: Bool
    var smoke, drink, pesticide, skinCancerHistory, cancerHistory, pipedWater, sewage: Bool?
    var backgroundFather, backgroundMother, gender: String?
    var age: Int?
    var fitzpatrick: Int?

    init(firstClass d: PADUFESDiagnosis, missing: Bool, using rng: inout RandomGenerator) {
        self.missing = missing
        let table = PADUFESRiskFactors.relations, c = d.index
        age = Int(min(95, max(6, table["age"].number(forClass: c, using: &rng))).rounded())
        if missing { return }
        func answer(_ field: String) -> Bool { table[field].answer(forClass: c, using: &rng) }
        smoke = answer("smoke")
        drink = answer("drink")
        pesticide = answer("pesticide")
        skinCancerHistory = answer("skin_cancer_history")
        cancerHistory = answer("cancer_history")
        pipedWater = answer("has_piped_water")
        sewage = answer("has_sewage_system")
        gender = table["gender"].value(forClass: c, from: PADUFES.genders, using: &rng)
        fitzpatrick = Int(table["fitspatrick"].value(forClass: c, from: (1...6).map(String.init), using: &rng))
        backgroundFather = Self.background(table["background_father"], forClass: c, using: &rng)
        backgroundMother = Self.background(table["background_father"], forClass: c, using: &rng)
    }

    /// A family background; `BRAZIL` is written `BRASIL` a third of the time, as in the real file.
    static func background(_ relation: RiskFactorRelation, forClass c: Int, using rng: inout RandomGenerator) -> String {
        let name = relation.value(forClass: c, from: PADUFES.backgrounds, using: &rng)
        return name == "BRAZIL" && rng.chance(0.33) ? "BRASIL" : name
    }
}
