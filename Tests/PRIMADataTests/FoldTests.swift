import Foundation
import PRIMATensor
import PRIMATestSupport
import Testing
@testable import PRIMAData

@Suite struct FoldTests {
    /// 400 patients with 1–3 lesions each, classes drawn with PAD-UFES-20's proportions.
    static func samples(seed: UInt64 = 3) -> [DatasetSample] {
        var rng = RandomGenerator(seed: seed)
        let weights = PADUFESDiagnosis.allCases.map { Double(PADUFES.classCounts[$0]!) }
        let total = weights.reduce(0, +)
        var out: [DatasetSample] = []
        for p in 0..<400 {
            for l in 0..<(1 + rng.nextInt(in: 0..<3)) {
                var u = rng.nextDouble() * total, label = 0
                while u >= weights[label] { u -= weights[label]; label += 1 }
                out.append(DatasetSample(id: "P\(p)/\(l)", patientID: "P\(p)", imagePaths: [URL(fileURLWithPath: "/x.png")],
                                         label: label, metadata: [:]))
            }
        }
        return out
    }

    @Test func noPatientInTwoFoldsAndEveryFoldUsed() throws {
        let s = Self.samples()
        let folds = try FoldAssignment(samples: s, folds: 5, seed: 42)
        #expect(folds.patientsAreDisjoint)
        var foldsOfPatient: [String: Set<Int>] = [:]
        for e in folds.entries { foldsOfPatient[e.patientID, default: []].insert(e.fold) }
        #expect(foldsOfPatient.values.allSatisfy { $0.count == 1 })
        #expect(Set(folds.entries.map(\.fold)) == Set(0..<5))
        for k in 0..<5 {
            let (train, test) = folds.split(k)
            #expect(Set(train.map { s[$0].patientID }).isDisjoint(with: test.map { s[$0].patientID }))
            #expect(train.count + test.count == s.count)
        }
    }

    @Test func foldClassProportionsStayCloseToTheWholeSet() throws {
        let s = Self.samples()
        let folds = try FoldAssignment(samples: s, folds: 5, seed: 42)
        let classes = PADUFESDiagnosis.allCases.count
        func proportions(_ indices: [Int]) -> [Double] {
            var c = [Double](repeating: 0, count: classes)
            for i in indices { c[s[i].label] += 1 }
            return c.map { $0 / Double(indices.count) }
        }
        let whole = proportions(Array(s.indices))
        var worst = 0.0
        for k in 0..<5 {
            let fold = proportions(folds.split(k).test)
            worst = max(worst, zip(fold, whole).map { abs($0 - $1) }.max()!)
        }
        #expect(worst <= Tolerance.foldClassProportion, "worst class-proportion gap \(worst)")
    }

    @Test func deterministicBySeed() throws {
        let s = Self.samples()
        let a = try FoldAssignment(samples: s, seed: 7), b = try FoldAssignment(samples: s, seed: 7)
        let c = try FoldAssignment(samples: s, seed: 8)
        #expect(a == b)
        #expect(a.entries.map(\.fold) != c.entries.map(\.fold))
    }

    @Test func lesionGroupingKeepsEachSampleWhole() throws {
        // Image-level samples sharing a lesion id must share a fold.
        let s = Self.samples().flatMap { d in (0..<2).map { _ in d } }
        let folds = try StratifiedGroupKFold.assign(labels: s.map(\.label), groups: s.map(\.id), folds: 5, seed: 1)
        for i in stride(from: 0, to: s.count, by: 2) { #expect(folds[i] == folds[i + 1]) }
    }

    @Test func savesAndReadsBackAsCSV() throws {
        let dir = TemporaryDirectory()
        let s = Self.samples()
        let folds = try FoldAssignment(samples: s, seed: 42)
        let url = dir.url.appendingPathComponent("folds.csv")
        try folds.write(to: url)
        let read = try FoldAssignment(contentsOf: url)
        #expect(read == folds)
        #expect(try read.folds(of: s) == folds.entries.map(\.fold))
        withExtendedLifetime(dir) {}
    }

    @Test func loadOrCreateReusesSavedFolds() throws {
        let dir = TemporaryDirectory()
        let url = dir.url.appendingPathComponent("folds.csv")
        let s = Self.samples()
        let created = try FoldAssignment.loadOrCreate(at: url, samples: s, seed: 1)
        // A different seed must not matter once the file exists.
        let reused = try FoldAssignment.loadOrCreate(at: url, samples: s, seed: 2)
        #expect(reused == created)
        #expect(throws: DataError.self) { try FoldAssignment.loadOrCreate(at: url, samples: Array(s.dropLast()), seed: 1) }
        withExtendedLifetime(dir) {}
    }

    @Test func badFoldFilesAreReported() throws {
        let dir = TemporaryDirectory()
        let url = dir.write("sample_id,patient_id,label,fold\nA,P1,0,0\nB,P2,1,x\n", to: "folds.csv")
        let error = #expect(throws: DataError.self) { try FoldAssignment(contentsOf: url) }
        #expect(error?.description.hasPrefix("folds.csv, line 3 (record 2), column 'fold'") == true)
        dir.write("sample_id,patient_id,label,fold\nA,P1,0,0\nA,P2,1,1\n", to: "folds.csv")
        #expect((#expect(throws: DataError.self) { try FoldAssignment(contentsOf: url) })?.kind == .duplicate)
        #expect(throws: DataError.self) {
            try FoldAssignment(samples: Array(Self.samples().prefix(3)), folds: 5, seed: 1)
        }
        withExtendedLifetime(dir) {}
    }
}
