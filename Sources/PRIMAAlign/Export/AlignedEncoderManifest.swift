import Foundation
import PRIMANN

/// The JSON manifest written next to a saved aligned image encoder: what is in the weights file and how to
/// rebuild the modules around it.
public struct AlignedEncoderManifest: Sendable, Codable, Equatable {
    /// The manifest layout version; loading rejects others.
    public static let currentFormatVersion = 1

    /// Layout version of this manifest.
    public var formatVersion: Int
    /// The image encoder's type (`DINOv3Model`, or a user's type name).
    public var encoderKind: String
    /// The encoder's configuration as JSON text when it has one PRIMA knows (DINOv3's `config.json` fields), else nil.
    public var encoderConfiguration: String?
    /// Width of the encoder's features.
    public var featureWidth: Int
    /// Width of the shared space.
    public var sharedWidth: Int
    /// Shape of the image projection heads.
    public var imageHead: ProjectionHeadConfiguration
    /// Shape of every head tensor in the file (`image_global_head.layers.0.weight` → `[256, 384]`, `classifier.weight`, …).
    public var headShapes: [String: [Int]]
    /// τ at the end of training.
    public var temperature: Float
    /// Classes of the supervised head, nil when the file has none.
    public var classCount: Int?
    /// The stage that produced the file (`alignment`, `supervised refinement`).
    public var stage: String
    /// The cross-validation fold, when given.
    public var fold: Int?
    /// The run's seed, when given.
    public var seed: UInt64?
    /// The name of the safetensors file this manifest describes (same folder).
    public var weightsFile: String

    /// A manifest from its parts.
    public init(formatVersion: Int = AlignedEncoderManifest.currentFormatVersion, encoderKind: String, encoderConfiguration: String?,
                featureWidth: Int, sharedWidth: Int, imageHead: ProjectionHeadConfiguration, headShapes: [String: [Int]],
                temperature: Float, classCount: Int?, stage: String, fold: Int?, seed: UInt64?, weightsFile: String) {
        self.formatVersion = formatVersion
        self.encoderKind = encoderKind
        self.encoderConfiguration = encoderConfiguration
        self.featureWidth = featureWidth
        self.sharedWidth = sharedWidth
        self.imageHead = imageHead
        self.headShapes = headShapes
        self.temperature = temperature
        self.classCount = classCount
        self.stage = stage
        self.fold = fold
        self.seed = seed
        self.weightsFile = weightsFile
    }

    /// The manifest file of a weights file: same path with extension `json`.
    public static func url(forWeights url: URL) -> URL { url.deletingPathExtension().appendingPathExtension("json") }
}

/// A saved aligned encoder that does not fit: the file, the key or field, and what differs.
public struct AlignedEncoderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The manifest or weights file.
    public let file: String
    /// The manifest field or tensor key concerned.
    public let key: String
    /// What is wrong.
    public let message: String

    /// An error about `key` of `file`.
    public init(file: String, key: String, _ message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    /// The file, the key and the problem.
    public var description: String { "\(file): \(key): \(message)" }
}
