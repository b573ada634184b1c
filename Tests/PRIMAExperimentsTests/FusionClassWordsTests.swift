import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMAFusion
import PRIMAText
import Testing

/// `FusionSettings.classWords`: the words whose first tokens stand for the classes in stage 3.
@Suite struct FusionClassWordsTests {
    static let classes = ["BCC", "SCC", "ACK"]
    static let words = ["carcinoma", "squamous", "keratosis"]

    @Test("Without class words the class names are used; with them, they are, in class order, and the fingerprint says so")
    func wordsStandForClasses() throws {
        var settings = FusionSettings.small
        #expect(try settings.classWords(for: Self.classes) == Self.classes)
        #expect(settings.fingerprint["class_words"] == nil)
        settings.classWords = Self.words
        #expect(try settings.classWords(for: Self.classes) == Self.words)
        #expect(settings.fingerprint["class_words"] == "carcinoma,squamous,keratosis")
        // The built-in tokenizer is made from the words, so each one is a whole token of the vocabulary.
        let (_, tokenizer) = try settings.makeLanguageModel(classNames: Self.classes)
        for word in Self.words {
            #expect(tokenizer.encode(" " + word, addSpecialTokens: false).ids.count == 1, "\(word)")
        }
    }

    @Test("Wrong class words are refused with the count, the empty word or the repeated word")
    func badWords() throws {
        var settings = FusionSettings.small
        settings.classWords = ["carcinoma", "squamous"]
        #expect(throws: ExperimentError.self) { try settings.classWords(for: Self.classes) }
        do {
            _ = try settings.classWords(for: Self.classes)
        } catch let error as ExperimentError {
            #expect(error.message.contains("2 class words for the dataset's 3 classes (BCC, SCC, ACK)"))
        }
        settings.classWords = ["carcinoma", " ", "keratosis"]
        #expect(Self.message { try settings.validate() }.contains("class word 2 is empty"))
        settings.classWords = ["carcinoma", "keratosis", "keratosis"]
        #expect(Self.message { try settings.validate() }.contains("\"keratosis\" stands for two classes"))
    }

    @Test("The run refuses class words that do not fit the dataset before any fold trains")
    func checkedBeforeTraining() throws {
        var fusion = FusionSettings.small
        fusion.classWords = Self.words
        let message = Self.message {
            _ = try BaselineChoice.experiments([.prima], schema: PADUFES.schema, samples: TinyPADUFES.samples, settings: TinyEncoders.settings,
                                               seed: 0, fusion: fusion)
        }
        #expect(message.contains("3 class words for the dataset's 6 classes"))
    }

    @Test("With a checkpoint's tokenizer, class words that share their first token are refused before any fold trains")
    func sharedFirstTokenWithACheckpoint() throws {
        // A WordPiece vocabulary with the letters of the words but not the words: each splits into letters,
        // so "fungal" and "fungus" both start with "f".
        let folder = TemporaryDirectory()
        try CorpusTokenizer.json(vocabulary: CorpusTokenizer.vocabulary(of: ["fungalsk", "bacteri"]))
            .write(to: folder.url.appendingPathComponent("tokenizer.json"))
        var fusion = FusionSettings.paper(languageModel: folder.url)
        fusion.classWords = ["fungal", "bacterial", "fungus"]
        #expect(Self.message { try fusion.checkClassTokens(classNames: Self.classes) }
            .contains("class words \"fungal\" and \"fungus\" both start with token"))
        fusion.classWords = ["fungal", "bacterial", "keratitis"]
        try fusion.checkClassTokens(classNames: Self.classes)
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch let error as ExperimentError { return error.message } catch { return "\(error)" }
        return ""
    }
}
