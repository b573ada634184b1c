import Foundation
import PRIMATensor

/// A tensor as written by the reference scripts: `{"shape": [...], "data": [...]}` (row-major).
public struct FixtureTensor: Decodable, Sendable {
    public let shape: [Int]
    public let data: [Float]
    public var tensor: Tensor { Tensor(shape: shape, scalars: data) }
}

/// One reference case: named inputs, parameters, outputs and gradients computed by PyTorch.
public struct FixtureCase: Decodable, Sendable {
    public let name: String
    public let inputs: [String: FixtureTensor]
    public let params: [String: FixtureValue]?
    public let outputs: [String: FixtureTensor]
    public let grads: [String: FixtureTensor]?

    public func input(_ key: String) -> Tensor {
        guard let t = inputs[key] else { fatalError("fixture case \(name) has no input \(key)") }
        return t.tensor
    }
    public func output(_ key: String = "out") -> Tensor {
        guard let t = outputs[key] else { fatalError("fixture case \(name) has no output \(key)") }
        return t.tensor
    }
    public func grad(_ key: String) -> Tensor {
        guard let t = grads?[key] else { fatalError("fixture case \(name) has no gradient \(key)") }
        return t.tensor
    }
    public func param(_ key: String) -> FixtureValue {
        guard let v = params?[key] else { fatalError("fixture case \(name) has no param \(key)") }
        return v
    }
}

/// A JSON scalar/list parameter of a case.
public enum FixtureValue: Decodable, Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case list([FixtureValue])
    case null

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .list(try c.decode([FixtureValue].self)) }
    }

    public var double: Double { if case .number(let d) = self { return d }; fatalError("not a number: \(self)") }
    public var float: Float { Float(double) }
    public var int: Int { Int(double) }
    public var bool: Bool { if case .bool(let b) = self { return b }; fatalError("not a bool: \(self)") }
    public var string: String { if case .string(let s) = self { return s }; fatalError("not a string: \(self)") }
    public var ints: [Int] { if case .list(let l) = self { return l.map(\.int) }; fatalError("not a list: \(self)") }
    public var isNull: Bool { if case .null = self { return true }; return false }
}

/// A fixture file: the generator and pinned library versions, and its cases.
public struct FixtureFile: Decodable, Sendable {
    public let generator: String
    public let versions: [String: String]
    public let cases: [FixtureCase]

    /// Loads `name` (without `.json`) from a test bundle's `Fixtures` folder.
    public static func load(_ name: String, in bundle: Bundle) throws -> FixtureFile {
        guard let url = bundle.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw TensorError.io("fixture \(name).json not found in \(bundle.bundlePath)/Fixtures; regenerate with Scripts/reference/generate.sh")
        }
        return try JSONDecoder().decode(FixtureFile.self, from: Data(contentsOf: url))
    }

    public func named(_ name: String) -> FixtureCase {
        guard let c = cases.first(where: { $0.name == name }) else { fatalError("no fixture case \(name)") }
        return c
    }
}
