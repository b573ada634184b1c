import Foundation
import PRIMAData
@testable import PRIMAExperiments
import PRIMATensor
import Testing

/// Same seed, same command → the same numbers, however the run was split into processes.
@Suite("Reproducible runs")
struct ReproducibilityTests {
    @Test("a text's cached embedding does not depend on which texts were encoded with it, or in what order")
    func textEmbeddingsIndependentOfBatching() throws {
        let texts = Array(Set(TinyEncoders.texts)).sorted()
        #expect(texts.count > 8)
        // Two encoders with the same weights, filled as an uninterrupted run (every text in one order) and as
        // a resumed one (a later fold's texts first, in its own order).
        let uninterrupted = try TinyEncoders.baselines().text!, resumed = try TinyEncoders.baselines().text!
        try uninterrupted.precompute(texts)
        try resumed.precompute(Array(texts.suffix(5).reversed()))
        try resumed.precompute(texts.reversed())
        for text in texts {
            #expect(uninterrupted.embeddings(of: [text]).scalars == resumed.embeddings(of: [text]).scalars, "\(text)")
        }
    }
}
