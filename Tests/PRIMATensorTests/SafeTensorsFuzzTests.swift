import Foundation
import PRIMATensor
import PRIMATestSupport
import Testing

/// Mutated safetensors files (header JSON, length prefix and data) either open — and then every tensor
/// reads — or throw a ``SafeTensorsError``; a trap would end the test process.
@Suite struct SafeTensorsFuzzTests {
    @Test func mutatedFilesOpenOrThrow() throws {
        let directory = try TemporaryDirectory()
        var rng = RandomGenerator(seed: 9)
        let tensors = ["a.weight": Tensor.randomNormal([3, 4], using: &rng), "b": Tensor.randomNormal([5], using: &rng),
                       "scalar": Tensor(shape: [], scalars: [1.5])]
        let seeds = [Data(try SafeTensors.serialize(tensors)),
                     Data(try SafeTensors.serialize(tensors, dtypes: ["b": .f16, "a.weight": .bf16]))]
        let url = directory.file("fuzz.safetensors")
        let run = FuzzRun.run(seeds: seeds, iterations: 400, seed: 10) { data in
            try data.write(to: url)
            let file = try SafeTensorsFile(contentsOf: url)
            _ = try file.tensors()
        }
        print("safetensors fuzz: \(run.summary)")
        #expect(run.parsed > 0 && run.refused > 0, "\(run.summary)")
    }
}
