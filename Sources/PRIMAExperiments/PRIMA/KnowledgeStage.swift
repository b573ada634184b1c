import Foundation
import PRIMAAlign
import PRIMAData
import PRIMAKnowledge
import PRIMANN
import PRIMAText

/// PRIMA's stage 1 as a ``RunStage`` (`knowledge`): the text encoder refined by masked-language modelling
/// (LoRA, PRIMAKnowledge's `KnowledgeRefinement` on PRIMAText's `MaskedLanguageModelTrainer`) on the approved
/// entries of a knowledge corpus about the dataset's risk factors and diagnoses.
///
/// It sees no sample of the dataset — only the corpus — so it runs once per run, not per fold, and every fold's
/// stage 2 uses the refined encoder (its adapters merged, see ``refinedText(_:from:)``). Its folder holds
/// `text-adapters.safetensors`, `lora.json` (the adapters' configuration) and `stage.json`, whose held-out
/// metric `mlm_loss` is the masked-LM loss on held-out corpus texts before and after refinement. A stopped
/// run resumes from the checkpoint (`checkpoint.safetensors`) the refinement writes after every epoch.
public struct KnowledgeStage: RunStage {
    /// The text encoder to refine (never changed: a copy is refined).
    public let text: TextBackbone
    /// The texts refined on (``startingCorpusTexts(classNames:)``, ``corpusTexts(contentsOf:classNames:)``).
    public let texts: [String]
    /// Where the texts come from, for the fingerprint: a corpus file's absolute path, or ``shippedCorpusSource``.
    public let source: String
    /// Epochs, batch, learning rate, LoRA and masking of the refinement.
    public let settings: KnowledgeRefinement.Settings

    /// The name under which the stage's folder reaches the later stages.
    public static let outputName = "knowledge"
    /// The refined adapters' file.
    public static let adaptersFile = "text-adapters.safetensors"
    /// The adapters' LoRA configuration file.
    public static let loraFile = "lora.json"
    /// The ``source`` of the shipped starting corpus's texts.
    public static let shippedCorpusSource = "the shipped starting corpus"
    static let checkpointFile = "checkpoint.safetensors"
    static let historyFile = "history.json"

    /// A stage refining `text` on `texts`.
    public init(text: TextBackbone, texts: [String], source: String, settings: KnowledgeRefinement.Settings) {
        self.text = text
        self.texts = texts
        self.source = source
        self.settings = settings
    }

    /// **[ours]** For the built-in small random text encoder: 6 epochs at 2e-3 (LoRA rank 8; the paper's 5e-5
    /// barely moves random weights in a few epochs), batches of 8 texts of at most 128 tokens.
    public static var smallEncoderSettings: KnowledgeRefinement.Settings {
        var settings = KnowledgeRefinement.Settings(epochs: 6, batchSize: 8, maxLength: 128, heldOutFraction: 0.1, seed: 0)
        settings.learningRate = 2e-3
        return settings
    }

    /// The paper's settings for a pretrained encoder: AdamW 5e-5, weight decay 1e-3, LoRA rank 8, 30% masking;
    /// **[ours]** 20 epochs over the corpus (the paper's 2,500 are far beyond a CPU's budget; set `epochs` for more).
    public static var paperSettings: KnowledgeRefinement.Settings {
        KnowledgeRefinement.Settings(epochs: 20, batchSize: 8, maxLength: 256, heldOutFraction: 0.1, seed: 0)
    }

    /// The refinement texts of the approved entries of `corpus` about the dataset's classes: those whose diagnoses
    /// are all among `classNames` (compared without case), such as the PAD-UFES-20 entries for its six classes or
    /// the keratitis entries for fungal and bacterial. Entries about none of the classes (another dataset's) and
    /// entries waiting for review or rejected are not used.
    /// - Parameters:
    ///   - corpus: the reviewed corpus.
    ///   - classNames: the dataset's classes.
    ///   - source: where the corpus comes from (its file's path), for the error messages.
    ///   - lines: each entry's line in the file, by id, for the error messages.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming `source` (and the entry's line) for an approved entry
    ///   that mixes the dataset's classes with diagnoses it does not have (a misspelt class would otherwise drop the
    ///   entry silently), or when no approved entry fits.
    public static func corpusTexts(_ corpus: KnowledgeCorpus, classNames: [String], source: String,
                                   lines: [String: Int] = [:]) throws -> [String] {
        let wanted = Set(classNames.map { $0.lowercased() })
        var entries: [KnowledgeEntry] = []
        for entry in corpus.approvedEntries {
            let diagnoses = entry.diagnoses.map(\.diagnosis)
            let unknown = diagnoses.filter { !wanted.contains($0.lowercased()) }
            if unknown.isEmpty, !diagnoses.isEmpty {
                entries.append(entry)
            } else if unknown.count < diagnoses.count {
                let place = lines[entry.id].map { "\(source), line \($0)" } ?? source
                throw ExperimentError(.invalidOption, "stage 1: \(place): entry \"\(entry.id)\" describes \(unknown.joined(separator: ", ")), which "
                                      + "\(unknown.count == 1 ? "is not a class" : "are not classes") of the dataset (\(classNames.joined(separator: ", ")))")
            }
        }
        guard !entries.isEmpty else {
            throw ExperimentError(.invalidOption, "stage 1: \(source) has no approved entry whose diagnoses are the dataset's classes (\(classNames.joined(separator: ", "))); give a corpus about them, or run PRIMA without knowledge injection")
        }
        return entries.flatMap { RefinementTexts.texts(of: $0) }
    }

    /// The texts of the shipped starting corpus for the dataset's classes.
    /// - Throws: ``ExperimentError`` when the corpus is missing or has no entry about these classes.
    public static func startingCorpusTexts(classNames: [String]) throws -> [String] {
        let corpus: KnowledgeCorpus
        do { corpus = try StartingCorpus.load() } catch {
            throw ExperimentError(.io, "stage 1: cannot read the shipped knowledge corpus: \(ExperimentError.describe(error))")
        }
        return try corpusTexts(corpus, classNames: classNames, source: shippedCorpusSource)
    }

    /// The texts of a knowledge corpus file (JSON Lines, the schema of PRIMAKnowledge's `KnowledgeEntry`, as
    /// `prima-knowledge generate` and `review` write it) for the dataset's classes; see
    /// ``corpusTexts(_:classNames:source:lines:)`` for which entries are used.
    /// - Throws: ``ExperimentError`` `.invalidOption` naming the file, and the line where one is at fault: unreadable
    ///   file, a line that is not a valid entry, a duplicate id, an entry that mixes the classes with unknown
    ///   diagnoses, or no approved entry about the classes.
    public static func corpusTexts(contentsOf url: URL, classNames: [String]) throws -> [String] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ExperimentError(.invalidOption, "stage 1: cannot read the knowledge corpus \(url.path): \(error.localizedDescription)")
        }
        let corpus: KnowledgeCorpus
        do { corpus = try KnowledgeCorpus(jsonLines: text, source: url.path) } catch {
            throw ExperimentError(.invalidOption, "stage 1: \(ExperimentError.describe(error))")
        }
        // The corpus reads one entry per non-blank line, in order: the n-th entry is on the n-th such line.
        let entryLines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.map { $0.offset + 1 }
        let lines = Dictionary(zip(corpus.entries.map(\.id), entryLines), uniquingKeysWith: { first, _ in first })
        return try corpusTexts(corpus, classNames: classNames, source: url.path, lines: lines)
    }

    public var name: String { Self.outputName }

    public var fingerprint: [String: String] {
        let digest = ContentDigest.of(texts.joined(separator: "\n")).value
        return ["text": text.origin, "corpus": source, "texts": String(texts.count), "texts_digest": String(digest, radix: 16),
                "epochs": String(settings.epochs), "batch_size": String(settings.batchSize), "max_length": String(settings.maxLength),
                "held_out_fraction": String(settings.heldOutFraction), "seed": String(settings.seed),
                "learning_rate": String(settings.learningRate), "weight_decay": String(settings.weightDecay),
                "warmup_ratio": String(settings.warmupRatio), "masking": String(settings.maskingProbability),
                "lora": "rank \(settings.lora.rank) alpha \(settings.lora.alpha) dropout \(settings.lora.dropout)"]
    }

    /// What the stage keeps between a kill and the restart: the epochs done and the loss before training.
    struct SavedHistory: Codable {
        var heldOutBefore: Double?
        var epochs: [StageEpochRecord]
    }

    public func run(work: URL, onEpoch: (StageEpochRecord) throws -> Void) throws -> StageRecord {
        guard let tokenizer = text.encoder.tokenizer else {
            throw ExperimentError(.invalidOption, "stage 1: the text encoder has no tokenizer")
        }
        let model = try text.makeMaskedLanguageModel(seed: settings.seed)
        let checkpoint = work.appendingPathComponent(Self.checkpointFile), historyURL = work.appendingPathComponent(Self.historyFile)
        let refinement: KnowledgeRefinement
        do {
            refinement = try KnowledgeRefinement(texts: texts, model: model, tokenizer: tokenizer, settings: settings, checkpoint: checkpoint)
        } catch let error as KnowledgeError {
            throw ExperimentError(.invalidOption, "stage 1: \(error)")
        }
        let resuming = FileManager.default.fileExists(atPath: checkpoint.path) && FileManager.default.fileExists(atPath: historyURL.path)
        var saved = resuming ? try RunDirectory.readJSON(SavedHistory.self, from: historyURL)
                             : SavedHistory(heldOutBefore: refinement.heldOutLoss().map(Double.init), epochs: [])
        if !resuming { try? FileManager.default.removeItem(at: checkpoint) }
        do {
            // The refinement's progress closure is optional, hence escaping; it never outlives this call.
            // The run's report is not needed: the per-epoch history above is what the stage keeps.
            _ = try withoutActuallyEscaping(onEpoch) { onEpoch in
                try refinement.run(resume: resuming) { progress in
                    guard let heldOut = progress.heldOutLoss else { return }
                    // Called after the epoch's checkpoint: the history written here matches it.
                    let record = StageEpochRecord(epoch: progress.epoch, losses: ["mlm_loss": Double(progress.loss), "held_out_mlm_loss": Double(heldOut)])
                    saved.epochs = saved.epochs.filter { $0.epoch < progress.epoch } + [record]
                    try RunDirectory.writeJSON(saved, to: historyURL)
                    try onEpoch(record)
                }
            }
        } catch let error as TextEncoderError {
            throw ExperimentError(.diverged, "stage 1 (knowledge injection): \(error). Try a lower learning rate.")
        }
        try refinement.saveAdapters(to: work.appendingPathComponent(Self.adaptersFile))
        try RunDirectory.writeJSON(settings.lora, to: work.appendingPathComponent(Self.loraFile))
        try? FileManager.default.removeItem(at: checkpoint)
        let after = refinement.heldOutLoss().map(Double.init)
        return StageRecord(stage: name, trainCount: refinement.trainingTexts.count, history: saved.epochs,
                           heldOutBefore: saved.heldOutBefore.map { ["mlm_loss": $0] } ?? [:],
                           heldOutAfter: after.map { ["mlm_loss": $0] } ?? [:], seconds: 0)
    }

    /// `text` with the adapters of a finished knowledge stage in `folder` merged into a copy of its encoder.
    /// Built once per folder and text encoder in a process, then shared.
    /// - Throws: ``ExperimentError`` `.io` when the folder's adapters or configuration cannot be read or do not fit.
    public static func refinedText(_ text: TextBackbone, from folder: URL) throws -> TextBackbone {
        try RefinedTextCache.shared.backbone(for: text, folder: folder) {
            let lora = try RunDirectory.readJSON(LoRA.Configuration.self, from: folder.appendingPathComponent(loraFile))
            let encoder = text.makeEncoderCopy()
            let url = folder.appendingPathComponent(adaptersFile)
            do { try StageTwoSetup.prepareTextEncoder(encoder, stageOneAdapters: url, configuration: lora) } catch {
                throw ExperimentError(.io, "cannot apply the stage-1 adapters \(url.path): \(ExperimentError.describe(error))")
            }
            return TextBackbone(encoder: encoder, origin: text.origin + "+knowledge:" + folder.lastPathComponent,
                                maxLength: text.maxLength, architecture: text.architecture, frozenWeights: text.frozenWeights)
        }
    }
}

/// The refined text encoders built in this process, by stage folder and base encoder.
final class RefinedTextCache: @unchecked Sendable {
    static let shared = RefinedTextCache()
    private let lock = NSLock()
    private var backbones: [String: TextBackbone] = [:]

    func backbone(for text: TextBackbone, folder: URL, make: () throws -> TextBackbone) throws -> TextBackbone {
        let key = text.origin + "|" + folder.standardizedFileURL.path
        return try lock.withLock {
            if let cached = backbones[key] { return cached }
            let made = try make()
            backbones[key] = made
            return made
        }
    }
}
