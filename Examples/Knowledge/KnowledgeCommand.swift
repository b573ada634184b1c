// prima-knowledge: stage 1 of PRIMA from the command line — index literature, search it, generate and review the
// knowledge corpus, and refine the text encoder on the approved entries.
import ArgumentParser
import Foundation
import PRIMAData
import PRIMAKnowledge
import PRIMANN
import PRIMAText

/// Runs `body`; any error becomes one `error: …` line on standard error and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ValidationError {
        throw error
    } catch {
        let text: String
        switch error {
        case let error as DataError: text = error.description
        case let error as KnowledgeError: text = error.message
        default: text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
        }
        FileHandle.standardError.write(Data("error: \(text.replacingOccurrences(of: "\n", with: " "))\n".utf8))
        throw ExitCode.failure
    }
}

/// A progress line on standard error.
func note(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }

/// The text encoder of a checkpoint folder, with a clear message when it is not one.
func loadEncoder(_ folder: String, option: String) throws -> TextEncoder {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(option) \(folder): no such folder")
    }
    return try TextEncoder(contentsOf: URL(fileURLWithPath: folder))
}

@main
struct KnowledgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prima-knowledge",
        abstract: "Stage 1 of PRIMA: knowledge base, corpus review and text-encoder refinement.",
        subcommands: [Index.self, Search.self, Generate.self, Review.self, Refine.self, BM25Terms.self])
}
