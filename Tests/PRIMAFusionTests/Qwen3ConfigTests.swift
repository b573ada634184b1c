import Foundation
import PRIMAFusion
import PRIMATensor
import PRIMATestSupport
import Testing

@Suite struct Qwen3ConfigTests {
    @Test func readsBothRopeSpellingsAndEosLists() throws {
        let old = #"{"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 4, "rope_theta": 1000000, "eos_token_id": 7, "tie_word_embeddings": true}"#
        let new = #"{"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 4, "rope_parameters": {"rope_theta": 5000, "rope_type": "default"}, "eos_token_id": [3, 4]}"#
        let a = try JSONDecoder().decode(Qwen3Config.self, from: Data(old.utf8))
        let b = try JSONDecoder().decode(Qwen3Config.self, from: Data(new.utf8))
        #expect(a.ropeTheta == 1_000_000 && a.eosTokenIDs == [7] && a.tieWordEmbeddings)
        #expect(b.ropeTheta == 5000 && b.eosTokenIDs == [3, 4] && !b.tieWordEmbeddings)
        let roundTrip = try JSONDecoder().decode(Qwen3Config.self, from: JSONEncoder().encode(a))
        #expect(roundTrip == a)
    }

    @Test func refusesInconsistentConfigs() {
        let badHeads = #"{"hidden_size": 8, "num_attention_heads": 3, "num_key_value_heads": 2, "head_dim": 4}"#
        let badRope = #"{"rope_parameters": {"rope_theta": 5000, "rope_type": "yarn"}}"#
        #expect(throws: TensorError.self) { try JSONDecoder().decode(Qwen3Config.self, from: Data(badHeads.utf8)) }
        #expect(throws: TensorError.self) { try JSONDecoder().decode(Qwen3Config.self, from: Data(badRope.utf8)) }
    }
}
