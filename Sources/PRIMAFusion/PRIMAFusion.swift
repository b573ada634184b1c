/// PRIMAFusion: stage 3 of PRIMA — the Qwen3 language model that reads aligned image and text features
/// as soft tokens and classifies with a vocabulary-restricted softmax.
///
/// - ``Qwen3ForCausalLM`` loads a Hugging Face Qwen3 checkpoint (``Qwen3Config`` from `config.json`,
///   F32/BF16 safetensors) and runs from token ids or from input embeddings (so projected features can be
///   spliced between token embeddings), with padding masks, a KV cache (``Qwen3KVCache``) and
///   ``Qwen3ForCausalLM/generate(prompts:options:)`` (greedy, temperature, top-k, top-p; seeded).
/// - LoRA adapters attach with `LoRA.apply(to:_:)` on ``Qwen3ForCausalLM/loraTargets``.
/// - ``RestrictedVocabularyClassifier`` turns the last-token logits of one token per class into a
///   classifier with a cross-entropy loss.
/// - ``FusionClassifier`` (stage 3): projectors for image and text features, learnable markers, a prompt builder,
///   the frozen Qwen3 with LoRA (``PRIMANN/LoRA/Configuration/qwen3Fusion``) and the restricted head;
///   ``FusionTrainer`` trains it on precomputed ``FusionFeatureSet``s and keeps the best validation epoch.
public enum PRIMAFusion {}
