import PRIMATensor

/// Rows for the fused neural kernels (softmax, layer norm, attention); shapes follow ViT-S/16 and
/// ModernBERT-base at batch 8.
enum BenchmarkRows {
    static func neural(_ random: @escaping ([Int]) -> Tensor) -> [Row] {
        var rows = unaryRows("softmax_8x201x1536", [8, 201, 1536]) { $0.softmax(axis: -1) }
        let weight = random([384]).requiringGrad(), bias = random([384]).requiringGrad()
        rows += unaryRows("layernorm_8x201x384", [8, 201, 384]) { $0.layerNorm(weight: weight, bias: bias, eps: 1e-6) }
        rows.append(linearRow("linear_vit_s16_mlp_fwd", rows: 8 * 201, inputs: 384, outputs: 1536, random))
        rows.append(linearRow("linear_vit_s16_qkv_fwd", rows: 8 * 201, inputs: 384, outputs: 1152, random))
        rows.append(attentionRow("attention_vit_s16_fwdbwd", [8, 6, 201, 64], random))
        rows.append(attentionRow("attention_modernbert_fwdbwd", [8, 12, 128, 64], random))
        return rows
    }

    /// `F.linear` forward at a transformer projection's shape (the products that dominate the encoders).
    static func linearRow(_ name: String, rows: Int, inputs: Int, outputs: Int, _ random: @escaping ([Int]) -> Tensor) -> Row {
        Row(name: name) {
            let x = random([rows, inputs]), w = random([outputs, inputs]), b = random([outputs])
            return Timing.median { _ = noGrad { Tensor.linear(x, weight: w, bias: b) } }
        }
    }

    /// Forward + backward of fused attention with q, k, v all requiring gradients.
    static func attentionRow(_ name: String, _ shape: [Int], _ random: @escaping ([Int]) -> Tensor) -> Row {
        Row(name: name) {
            let q = random(shape).requiringGrad(), k = (random(shape) * 0.5).detached().requiringGrad()
            let v = (random(shape) + 1).detached().requiringGrad()
            let seed = random(shape)
            return Timing.median {
                Tensor.scaledDotProductAttention(query: q, key: k, value: v).backward(seed)
                for t in [q, k, v] { t.zeroGrad() }
            }
        }
    }
}
