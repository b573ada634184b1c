import Foundation
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAData

@Suite struct SyntheticPADUFESTests {
    static let config = SyntheticPADUFES.Configuration(imageCount: 150, seed: 11, imageSides: 24...48)

    @Test func writesTheOfficialLayoutThatTheStrictReaderAccepts() throws {
        let dir = TemporaryDirectory()
        let written = try SyntheticPADUFES.write(to: dir.url, Self.config)
        let csv = try String(contentsOf: dir.url.appendingPathComponent("metadata.csv"), encoding: .utf8)
        #expect(csv.hasPrefix(PADUFES.columns.joined(separator: ",") + "\n"))
        let data = try PADUFESDataset(root: dir.url)
        #expect(data.records.count == 150 && data.report.skipped.isEmpty)
        // BRASIL is written but read as BRAZIL.
        #expect(csv.contains("BRASIL"))
        #expect(!data.records.contains { $0.backgroundFather == "BRASIL" || $0.backgroundMother == "BRASIL" })
        #expect(data.records.map(\.imageID) == written.map(\.imageID))
        // Image ids follow the real pattern PAT_<patient>_<lesion>_<image>.png, image numbers 1…n in file order.
        #expect(data.records.enumerated().allSatisfy { i, r in r.imageID == "\(r.patientID)_\(r.lesionID)_\(i + 1).png" })
        // Photos in all three folders; missing values and several photos per lesion occur.
        #expect(Set(data.imageURLs.map { $0.deletingLastPathComponent().lastPathComponent }) == Set(PADUFES.imageFolders))
        #expect(data.records.contains { $0.smoke == nil } && data.records.contains { $0.grew == nil })
        let lesions = data.lesionSamples()
        #expect(lesions.contains { $0.imagePaths.count > 1 } && lesions.count < 150)
        #expect(Set(lesions.map(\.patientID)).count < lesions.count)
        withExtendedLifetime(dir) {}
    }

    @Test func keepsTheRealClassProportions() throws {
        let dir = TemporaryDirectory()
        let records = try SyntheticPADUFES.write(to: dir.url, .init(imageCount: 300, seed: 2, imageSides: 8...8))
        withExtendedLifetime(dir) {}
        let total = Double(PADUFES.classCounts.values.reduce(0, +))
        for d in PADUFESDiagnosis.allCases {
            let expected = Double(PADUFES.classCounts[d]!) / total * 300
            let count = records.filter { $0.diagnostic == d }.count
            #expect(abs(Double(count) - expected) < 1, "\(d): \(count) vs \(expected)")
        }
    }

    @Test func photosDecodeWithVariedSizes() throws {
        let dir = TemporaryDirectory()
        try SyntheticPADUFES.write(to: dir.url, Self.config)
        let data = try PADUFESDataset(root: dir.url)
        let sizes = try data.imageURLs.prefix(20).map { url -> [Int] in
            let image = try PNGDecoder.read(url)
            return [image.width, image.height]
        }
        #expect(sizes.allSatisfy { $0.allSatisfy { Self.config.imageSides.contains($0) } })
        #expect(Set(sizes).count > 5)
        withExtendedLifetime(dir) {}
    }

    @Test func deterministicBySeed() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory(), c = TemporaryDirectory()
        let small = SyntheticPADUFES.Configuration(imageCount: 30, seed: 5, imageSides: 16...24)
        var other = small
        other.seed = 6
        try SyntheticPADUFES.write(to: a.url, small)
        try SyntheticPADUFES.write(to: b.url, small)
        try SyntheticPADUFES.write(to: c.url, other)
        func bytes(_ d: TemporaryDirectory, _ path: String) throws -> Data { try Data(contentsOf: d.url.appendingPathComponent(path)) }
        #expect(try bytes(a, "metadata.csv") == bytes(b, "metadata.csv"))
        #expect(try bytes(a, "metadata.csv") != bytes(c, "metadata.csv"))
        let records = try PADUFESDataset(root: a.url)
        for url in records.imageURLs {
            let relative = url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent
            #expect(try bytes(a, relative) == bytes(b, relative))
        }
        withExtendedLifetime([a, b, c]) {}
    }

    /// Nearest-centroid accuracy (fit and scored on the same set) from photo colour, from the metadata vector,
    /// and from both: the generator is built so that both beat either one.
    @Test func photoPlusMetadataIsMoreInformativeThanEither() throws {
        let dir = TemporaryDirectory()
        try SyntheticPADUFES.write(to: dir.url, .init(imageCount: 400, seed: 21, imageSides: 24...32))
        let data = try PADUFESDataset(root: dir.url)
        let labels = data.records.map(\.diagnostic.index)
        let photo = try data.imageURLs.map { try Self.centreColour(PNGDecoder.read($0)) }
        let encoder = MetadataVectorEncoder(schema: PADUFES.schema)
        let labelSlots = PADUFESDiagnosis.allCases.count
        let meta = data.records.map { Array(encoder.encode($0.metadata, label: 0).dropLast(labelSlots)).map(Double.init) }
        // Scale the photo's three channels so both parts weigh in.
        let both = zip(photo, meta).map { p, m in p.map { $0 * 6 } + m }
        let photoAccuracy = Self.nearestCentroidAccuracy(photo, labels)
        let metaAccuracy = Self.nearestCentroidAccuracy(meta, labels)
        let bothAccuracy = Self.nearestCentroidAccuracy(both, labels)
        #expect(bothAccuracy > photoAccuracy && bothAccuracy > metaAccuracy,
                "photo \(photoAccuracy), metadata \(metaAccuracy), both \(bothAccuracy)")
        withExtendedLifetime(dir) {}
    }

    static func centreColour(_ image: RGBImage) -> [Double] {
        var sum = [0.0, 0.0, 0.0], n = 0.0
        for y in (image.height / 3)..<(2 * image.height / 3) {
            for x in (image.width / 3)..<(2 * image.width / 3) {
                for c in 0..<3 { sum[c] += Double(image.pixels[3 * (y * image.width + x) + c]) / 255 }
                n += 1
            }
        }
        return sum.map { $0 / n }
    }

    static func nearestCentroidAccuracy(_ x: [[Double]], _ y: [Int]) -> Double {
        let k = (y.max() ?? 0) + 1, d = x[0].count
        var centroids = [[Double]](repeating: [Double](repeating: 0, count: d), count: k), counts = [Double](repeating: 0, count: k)
        for (v, l) in zip(x, y) { for j in 0..<d { centroids[l][j] += v[j] }; counts[l] += 1 }
        for c in 0..<k where counts[c] > 0 { centroids[c] = centroids[c].map { $0 / counts[c] } }
        var correct = 0
        for (v, l) in zip(x, y) {
            let best = (0..<k).filter { counts[$0] > 0 }.min { a, b in
                zip(v, centroids[a]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } < zip(v, centroids[b]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            }!
            if best == l { correct += 1 }
        }
        return Double(correct) / Double(y.count)
    }
}
