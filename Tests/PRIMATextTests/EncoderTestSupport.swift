import Foundation
import PRIMANN
import PRIMATensor
import PRIMATestSupport
import Testing

/// Fixtures of the text-encoder tests (written by Scripts/reference/gen_text_encoders.py).
enum EncoderFixtures {
    static let file = try! FixtureFile.load("text_encoders", in: .module)

    /// A checkpoint folder under Fixtures (config.json, model.safetensors, tokenizer.json, grads.safetensors).
    static func folder(_ name: String) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            fatalError("fixture folder \(name) missing; regenerate with Scripts/reference/gen_text_encoders.py")
        }
        return url
    }

    /// The reference gradients of a tiny checkpoint, by parameter key.
    static func gradients(_ name: String) throws -> [String: Tensor] {
        try SafeTensorsFile(contentsOf: folder(name).appendingPathComponent("grads.safetensors")).tensors()
    }

    /// `{"keys": {key: shape}}` files of full-size checkpoints.
    static func keyShapes(_ name: String) throws -> [String: [Int]] {
        struct KeyList: Decodable { let keys: [String: [Int]] }
        let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")!
        return try JSONDecoder().decode(KeyList.self, from: Data(contentsOf: url)).keys
    }
}

/// The rows of `[B, L, X]` at the positions where `mask` (`[B, L]`) is 1, as `[N, X]`: padded positions are
/// compared nowhere (their values differ legitimately between implementations and feed nothing else).
func validRows(_ x: Tensor, mask: Tensor) -> Tensor {
    let rows = mask.scalars.enumerated().filter { $0.element == 1 }.map { Float($0.offset) }
    return x.reshaped([-1, x.shape[2]]).indexSelect(axis: 0, indices: Tensor(rows))
}

/// Checks every parameter's gradient against the reference, by key.
func expectGradientsMatch(_ model: Module, _ reference: [String: Tensor], _ label: String) {
    let named = model.namedParameters()
    #expect(Set(named.map(\.key)) == Set(reference.keys), "\(label): parameter keys")
    var worst: (Float, String) = (0, "")
    for (key, p) in named {
        guard let expected = reference[key] else { continue }
        guard let grad = p.grad else { Issue.record("\(label): no gradient for \(key)"); continue }
        let error = maxRelativeError(grad, expected)
        if error > worst.0 {
            let (a, b) = (grad.scalars, expected.scalars)
            func relative(_ j: Int) -> Float { abs(a[j] - b[j]) / max(abs(b[j]), Tolerance.relativeFloor) }
            let i = (0..<a.count).max { relative($0) < relative($1) }!
            worst = (error, "\(key) [\(i)]: \(a[i]) vs \(b[i]); largest |reference| \(b.map(abs).max()!)")
        }
    }
    #expect(worst.0 <= Tolerance.modelGradient, "\(label): worst gradient error \(worst.0) at \(worst.1)")
}

/// The MLM cross-entropy of `[B, L, V]` logits against `[B, L]` labels (-100 ignored), mean over labelled tokens.
func mlmLoss(_ logits: Tensor, labels: Tensor) -> Tensor {
    Tensor.crossEntropy(logits: logits.reshaped([-1, logits.shape[2]]), targets: labels.reshaped([-1]))
}
