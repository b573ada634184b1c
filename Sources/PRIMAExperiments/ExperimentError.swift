/// An error of an experiment run that a user can act on: a bad option, an output folder that belongs to
/// another run, a diverged training run. Its ``description`` is the whole message.
public struct ExperimentError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What went wrong, for code that reacts to one kind only.
    public enum Kind: String, Sendable {
        /// A user option out of its range or inconsistent with the data.
        case invalidOption
        /// The output folder holds a run with other settings or other data.
        case incompatibleRun
        /// Another process is running in the same output folder.
        case locked
        /// The training loss became NaN or infinite.
        case diverged
        /// A file of the run folder cannot be read or written.
        case io
        /// The run was stopped on request (``CrossValidation/interruption``); started again with the same
        /// output folder, it continues.
        case interrupted
    }

    /// The kind of problem.
    public let kind: Kind
    /// What was expected and what was found.
    public let message: String

    /// An error of `kind` saying `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension ExperimentError {
    /// A one-line message for any error a run may throw: the message of the library's own errors (which name
    /// the file, row or option), the description of others.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as ExperimentError: return error.message
        case let error as CustomStringConvertible: return error.description
        default: return String(describing: error)
        }
    }
}
