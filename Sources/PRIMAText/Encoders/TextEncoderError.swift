import Foundation
import PRIMATensor

/// Errors from reading a text-encoder checkpoint folder (config.json, weights, tokenizer).
public struct TextEncoderError: Error, Equatable, CustomStringConvertible {
    /// The file at fault.
    public let file: String
    /// What was wrong, naming the key or value.
    public let message: String

    /// An error about `file`.
    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    /// `file: message`.
    public var description: String { "\(file): \(message)" }

    /// A `model_type` the package has no encoder for.
    static func unsupportedModelType(_ value: String, file: URL) -> TextEncoderError {
        TextEncoderError(file: file.path, "model_type \"\(value)\" is not supported; expected \"modernbert\" or \"bert\"")
    }
}

/// Reading Hugging Face `config.json` files into `Codable` configurations, with errors that name the file and key.
enum ConfigFile {
    /// Decodes `type` from the JSON file at `url`.
    static func read<Config: Decodable>(_ type: Config.Type, from url: URL) throws -> Config {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TextEncoderError(file: url.path, "cannot be read (\(error.localizedDescription))")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw TextEncoderError(file: url.path, describe(error, data: data))
        } catch let error as TextEncoderError {
            throw TextEncoderError(file: url.path, error.message)
        }
    }

    /// The `model_type` field of a config file.
    static func modelType(at url: URL) throws -> String {
        struct ModelType: Decodable { let model_type: String }
        return try read(ModelType.self, from: url).model_type
    }

    private static func describe(_ error: DecodingError, data: Data) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing key \"\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)\""
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "key \"\(path(context))\": expected \(type)"
        case .dataCorrupted(let context):
            let at = path(context)
            return at.isEmpty ? JSONSyntaxLocation.describeInvalidJSON(data) : "key \"\(at)\": \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// A validation failure inside a configuration's decoder; ``ConfigFile`` adds the file name.
func configError(_ key: String, _ message: String) -> TextEncoderError {
    TextEncoderError(file: "config.json", "key \"\(key)\": \(message)")
}
