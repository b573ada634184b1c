import Foundation
import Testing
import PRIMATensor
import PRIMATestSupport

/// Reading files written by the Python `safetensors` library, writing files it would write byte for
/// byte, round trips, and atomic replacement. Malformed files: ``SafeTensorsMalformedFileTests``.
@Suite struct SafeTensorsTests {
    // MARK: Reading the reference library's files

    @Test func readsEveryDTypeAsPyTorchConvertsIt() throws {
        let file = try SafeTensorsFile(contentsOf: try fixtureURL("safetensors_dtypes"))
        let stored = file.keys.filter { !$0.hasSuffix(".as_f32") }
        #expect(stored.count * 2 == file.keys.count)
        #expect(Set(stored.map { file.entries[$0]!.dtype }) == Set(SafeTensorsDType.allCases))
        for key in stored {
            let entry = try file.entry(key)
            // Keys end with the dtype's name: "i64", "scalar.bf16", "empty.u8".
            #expect(entry.dtype.rawValue.lowercased() == key.split(separator: ".").last.map(String.init))
            let tensor = try file.tensor(key)
            let reference = try file.tensor(key + ".as_f32")   // PyTorch's .to(torch.float32)
            #expect(tensor.shape == entry.shape && tensor.shape == reference.shape, "\(key)")
            #expect(sameFloats(tensor.scalars, reference.scalars), "\(key): \(tensor) vs \(reference)")
        }
        #expect(try file.tensor("scalar.i64").shape == [])
        #expect(try file.tensor("empty.f16").shape == [2, 0, 3])
    }

    @Test func float32ValuesMatchTheJSONReference() throws {
        let file = try SafeTensorsFile(contentsOf: try fixtureURL("safetensors_dtypes"))
        let reference = try FixtureFile.load("safetensors_dtypes", in: .module)
        let tensorCases = reference.cases.filter { $0.name != "__metadata__" }
        #expect(tensorCases.count >= 10)
        for item in tensorCases {
            let tensor = try file.tensor(item.name)
            #expect(file.entries[item.name]?.dtype == .f32)
            #expect(tensor.shape == item.output("value").shape)
            #expect(sameFloats(tensor.scalars, item.output("value").scalars), "\(item.name)")
        }
    }

    @Test func readsMetadata() throws {
        let file = try SafeTensorsFile(contentsOf: try fixtureURL("safetensors_dtypes"))
        let expected = try FixtureFile.load("safetensors_dtypes", in: .module).named("__metadata__").params ?? [:]
        #expect(file.metadata == expected.mapValues(\.string))
        #expect(file.metadata.count == 3)
    }

    @Test func tensorsOutliveTheFile() throws {
        var file: SafeTensorsFile? = try SafeTensorsFile(contentsOf: try fixtureURL("safetensors_dtypes"))
        let tensor = try file!.tensor("f32.as_f32")
        let copy = tensor.scalars
        file = nil   // unmaps the file
        #expect(sameFloats(tensor.scalars, copy))
    }

    @Test func missingKeyNamesTheKeyAndFile() throws {
        let url = try fixtureURL("safetensors_dtypes")
        let file = try SafeTensorsFile(contentsOf: url)
        let error = #expect(throws: SafeTensorsError.self) { try file.tensor("no.such.weight") }
        #expect(error?.kind == .tensorNotFound && error?.key == "no.such.weight")
        #expect(error?.description.contains(url.path) == true)
    }

    // MARK: Writing what the reference library writes

    /// Reads a file written by Python and writes the same tensors, dtypes and metadata: the bytes must be
    /// identical (layout order, header JSON and escaping, padding).
    @Test func writesThePythonLibrarysBytes() throws {
        let url = try fixtureURL("safetensors_interchange")
        let pythonBytes = Array(try Data(contentsOf: url))
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.entries.values.contains { $0.shape == [] } && file.entries.values.contains { $0.elementCount == 0 })
        let tensors = try file.tensors()
        #expect(tensors.keys.sorted() == file.keys)
        let dtypes = file.entries.mapValues(\.dtype)

        let serialized = try SafeTensors.serialize(tensors, dtypes: dtypes, metadata: file.metadata)
        #expect(serialized == pythonBytes)

        let directory = try TemporaryDirectory()
        let written = directory.file("model.safetensors")
        try SafeTensors.write(tensors, dtypes: dtypes, metadata: file.metadata, to: written)
        #expect(Array(try Data(contentsOf: written)) == pythonBytes)
    }

    // MARK: Round trips

    @Test(arguments: SafeTensorsDType.allCases)
    func roundTripsEachDType(_ dtype: SafeTensorsDType) throws {
        var rng = RandomGenerator(seed: 21)
        func sample(_ shape: [Int]) -> Tensor {
            switch dtype {
            case .bool: return Tensor.bernoulli(shape, probability: 0.5, using: &rng)
            case .u8: return Tensor.randomInt(shape, in: 0..<256, using: &rng)
            case .i8: return Tensor.randomInt(shape, in: -128..<128, using: &rng)
            case .i16, .i32, .i64: return Tensor.randomInt(shape, in: -30_000..<30_000, using: &rng)
            case .f64, .f32, .f16, .bf16: return Tensor.randomNormal(shape, std: 50, using: &rng)
            }
        }
        let tensors = ["matrix": sample([3, 5]), "scalar": sample([]), "empty": sample([0, 4]), "cube": sample([2, 2, 2])]
        let metadata = ["format": "pt", "odd": "quote\" backslash\\ /\n\t\u{1} é 漢 🙂"]
        let directory = try TemporaryDirectory()
        let url = directory.file("round-trip.safetensors")
        try SafeTensors.write(tensors, metadata: metadata, dtype: dtype, to: url)

        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.keys == ["cube", "empty", "matrix", "scalar"])
        #expect(file.metadata == metadata)
        for (key, original) in tensors {
            let entry = try file.entry(key)
            #expect(entry.dtype == dtype && entry.shape == original.shape)
            #expect(entry.byteRange.lowerBound % dtype.size == 0, "tensor data is aligned to its element size")
            let expected: Tensor
            switch dtype {
            case .f16: expected = original.roundedToHalf()
            case .bf16: expected = original.roundedToBFloat16()
            default: expected = original
            }
            #expect(sameFloats(try file.tensor(key).scalars, expected.scalars), "\(dtype) \(key)")
        }
        #expect(Array(try Data(contentsOf: url)) == (try SafeTensors.serialize(tensors, defaultDType: dtype, metadata: metadata)))
    }

    @Test func writesAnEmptyFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("empty.safetensors")
        try SafeTensors.write([:], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.keys.isEmpty && file.metadata.isEmpty)
        #expect(Array(try Data(contentsOf: url)) == safetensorsBytes(header: "{}      "))
    }

    @Test(arguments: [
        (SafeTensorsDType.i32, Float(1.5)), (.i64, .nan), (.i64, 0x1p63), (.i32, .infinity), (.i32, 0x1p31),
        (.i16, -32769), (.i8, 128), (.u8, 256), (.u8, -1), (.bool, 2), (.bool, 0.5),
    ])
    func refusesValuesTheDTypeCannotHold(_ dtype: SafeTensorsDType, _ value: Float) throws {
        let tensor = Tensor([0, 1, value])
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.serialize(["ids": tensor], defaultDType: dtype) }
        #expect(error?.kind == .unrepresentableValue && error?.key == "ids")
        #expect(error?.message.contains("element 2") == true)
    }

    @Test func acceptsTheLimitsOfIntegerDTypes() throws {
        let cases: [(SafeTensorsDType, [Float])] = [
            (.i64, [-0x1p63, 0x1p62, -0.0]), (.i32, [-0x1p31, 2_147_483_520]), (.i16, [-32768, 32767]),
            (.i8, [-128, 127]), (.u8, [0, 255]), (.bool, [0, 1]),
        ]
        for (dtype, values) in cases {
            let bytes = try SafeTensors.serialize(["x": Tensor(values)], defaultDType: dtype)
            let directory = try TemporaryDirectory()
            let url = directory.file("limits.safetensors")
            try Data(bytes).write(to: url)
            #expect(try SafeTensorsFile(contentsOf: url).tensor("x").scalars == values.map { $0 == 0 ? 0 : $0 }, "\(dtype)")
        }
    }

    @Test func refusesTheReservedMetadataKeyAndStrayDTypes() {
        #expect(throws: SafeTensorsError.self) { try SafeTensors.serialize(["__metadata__": Tensor([1])]) }
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.serialize(["a": Tensor([1])], dtypes: ["b": .f16]) }
        #expect(error?.key == "b")
    }

    // MARK: Atomic replacement

    @Test func failedConversionLeavesTheOldFileIntact() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("checkpoint.safetensors")
        try SafeTensors.write(["w": Tensor([1, 2, 3])], metadata: ["step": "1"], to: url)
        let before = try Data(contentsOf: url)

        // "big" (F32) is laid out first and streamed to the temporary file before "ids" (I32) fails.
        var rng = RandomGenerator(seed: 2)
        let tensors = ["big": Tensor.randomNormal([300_000], using: &rng), "ids": Tensor([1, 2.5])]
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.write(tensors, dtypes: ["ids": .i32], to: url) }
        #expect(error?.kind == .unrepresentableValue && error?.key == "ids")
        #expect(try Data(contentsOf: url) == before)
        #expect(try directory.contents() == ["checkpoint.safetensors"], "no temporary file is left behind")
        #expect(try SafeTensorsFile(contentsOf: url).tensor("w").scalars == [1, 2, 3])
    }

    @Test func failedRenameLeavesTheTargetAndNoTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        // A non-empty directory where the file should go: rename(2) cannot replace it.
        let target = directory.file("occupied.safetensors")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1, 2, 3]).write(to: target.appendingPathComponent("inside"))

        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.write(["w": Tensor([1])], to: target) }
        #expect(error?.kind == .io && error?.description.contains(target.path) == true)
        #expect(try directory.contents() == ["occupied.safetensors"])
        #expect(try Data(contentsOf: target.appendingPathComponent("inside")) == Data([1, 2, 3]))
    }

    @Test func missingDirectoryIsAnIOError() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("absent/model.safetensors")
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.write(["w": Tensor([1])], to: url) }
        #expect(error?.kind == .io && error?.description.contains(url.path) == true)
    }

    @Test func writeReplacesAnExistingFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("model.safetensors")
        try SafeTensors.write(["old": Tensor([1, 2])], to: url)
        try SafeTensors.write(["new": Tensor([3])], dtype: .bf16, to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.keys == ["new"] && file.entries["new"]?.dtype == .bf16)
        #expect(try file.tensor("new").scalars == [3])
        #expect(try directory.contents() == ["model.safetensors"])
    }
}
