import Foundation
import PRIMAKnowledge
import Testing

@Suite struct GenerationSettingsTests {
    @Test func settingsRoundTripThroughJSON() throws {
        let settings = GenerationSettings(maxTokens: 12, temperature: 0, topP: 1, seed: 3, stop: ["</answer>"])
        let data = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(GenerationSettings.self, from: data) == settings)
    }
}
