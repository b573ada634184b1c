import Foundation
import PRIMAText
import Testing

/// Batches with padding and truncation as the library's `enable_padding` / `enable_truncation` give them.
@Suite("Tokenizer batches, padding and truncation")
struct TokenizerBatchTests {
    private static func options(_ batch: ExpectedTokenization.BatchCase) -> (PaddingOptions?, TruncationOptions?) {
        let padding = batch.padding.map { p in
            PaddingOptions(length: p.length.map { .fixed($0) } ?? .longest,
                           direction: p.direction == "left" ? .left : .right, multipleOf: p.pad_to_multiple_of,
                           padID: batch.pad_id, padTypeID: p.pad_type_id ?? 0, padToken: batch.pad_token)
        }
        let truncation = batch.truncation.map {
            TruncationOptions(maxLength: $0.max_length, direction: $0.direction == "left" ? .left : .right)
        }
        return (padding, truncation)
    }

    @Test("ids, attention masks, type ids and special masks of padded, truncated batches", arguments: TokenizerFixtures.names)
    func batches(name: String) throws {
        var tokenizer = try TokenizerFixtures.tokenizer(name)
        let expected = try TokenizerFixtures.expected(name)
        let texts = try TokenizerFixtures.texts(name)
        #expect(expected.batches.count >= 25)
        for batch in expected.batches {
            (tokenizer.padding, tokenizer.truncation) = Self.options(batch)
            let result = tokenizer.encodeBatch(Array(texts[batch.start..<(batch.start + batch.ids.count)]),
                                               addSpecialTokens: batch.add_special_tokens)
            let label = "\(batch.config) from text #\(batch.start)"
            #expect(result.ids == batch.ids, "\(label)")
            #expect(result.attentionMask == batch.attention_mask, "\(label)")
            #expect(result.typeIDs == batch.type_ids, "\(label)")
            #expect(result.encodings.map(\.specialTokensMask) == batch.special_tokens_mask, "\(label)")
        }
    }

    @Test("padding and truncation in one call, and tensors of the batch")
    func convenienceAndTensors() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("minilm")
        let expected = try TokenizerFixtures.expected("minilm")
        let texts = try TokenizerFixtures.corpus()
        for batch in expected.batches where batch.config == "longest_right_trunc16" {
            let result = tokenizer.encodeBatch(Array(texts[batch.start..<(batch.start + batch.ids.count)]), padding: .longest, truncation: 16)
            #expect(result.ids == batch.ids)
            #expect(result.attentionMask == batch.attention_mask)
            let ids = result.idsTensor(), mask = result.attentionMaskTensor()
            #expect(ids.shape == [batch.ids.count, batch.ids[0].count])
            #expect(ids.scalars == batch.ids.flatMap { $0.map(Float.init) })
            #expect(mask.scalars == batch.attention_mask.flatMap { $0.map(Float.init) })
        }
        // Without padding the lengths differ and the batch has no common length.
        var unpadded = tokenizer
        unpadded.padding = nil
        #expect(unpadded.encodeBatch(["a", "a b c d"]).length == nil)
    }

    @Test("the file's own padding (fixed 128) and truncation (128) are applied as the library does")
    func fileDefaults() throws {
        let tokenizer = try Tokenizer(contentsOf: TokenizerFixtures.tokenizerURL("minilm"))
        let expected = try TokenizerFixtures.expected("minilm")
        let texts = try TokenizerFixtures.corpus()
        #expect(tokenizer.truncation == TruncationOptions(maxLength: 128))
        #expect(tokenizer.padding?.length == .fixed(128))
        for item in expected.file_defaults {
            let single = tokenizer.encode(texts[item.index])
            #expect(single.ids == item.ids, "text #\(item.index)")
            #expect(single.attentionMask == item.attention_mask, "text #\(item.index)")
        }
        let batch = tokenizer.encodeBatch(expected.file_defaults.map { texts[$0.index] })
        #expect(batch.ids == expected.file_defaults.map(\.ids))
        // Texts longer than 128 tokens are in the sample, so truncation was exercised.
        #expect(expected.file_defaults.contains { $0.attention_mask.allSatisfy { $0 == 1 } })
    }

    @Test("a batch encodes each text as encode does")
    func batchMatchesSingle() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("qwen3")
        let texts = Array(try TokenizerFixtures.corpus().prefix(200))
        let batch = tokenizer.encodeBatch(texts)
        #expect(batch.encodings == texts.map { tokenizer.encode($0) })
    }
}
