/// Every numeric tolerance of the test suite, in one place.
///
/// Forward values are compared by max absolute error scaled by max(1, |reference|); gradients by the
/// relative error `|a - b| / max(|b|, floor)`.
public enum Tolerance {
    /// Elementwise/layout ops against PyTorch (float32 both sides, different summation order).
    public static let forward: Float = 1e-5
    /// Gradients against PyTorch.
    public static let gradient: Float = 1e-4
    /// Gradients through long float32 reductions against an exact (Double) result, e.g. attention with
    /// head size 128 over ~70 keys: PyTorch's own float32 `scaled_dot_product_attention` is 1.5e-4 … 5e-4
    /// off on that problem, so ``gradient`` is below float32 resolution there.
    public static let longReductionGradient: Float = 5e-4
    /// Floor of the denominator in relative errors, so near-zero references do not blow up.
    public static let relativeFloor: Float = 1e-3
    /// Vectorised transcendental approximations (exp, erf, tanh) against libm / PyTorch.
    public static let transcendental: Float = 2e-6
    /// Max error of the vectorised kernels over dense sweeps against double precision: relative for exp, tanh
    /// and sigmoid, absolute for erf, scaled by max(1, |f|) for GELU, SiLU and the activation derivatives
    /// (measured 0.5e-7 to 2.1e-7).
    public static let vectorMath: Double = 3e-7
    /// PRIMA's alignment losses (values and every gradient, τ included) against an independent float64 PyTorch
    /// implementation of their equations: relative error of the values, and normwise relative error
    /// (`max|a − b| / max|b|`) of the attention and the gradients. Elementwise, float32 cannot meet 1e-5 on gradient
    /// elements a thousand times below their tensor's scale (measured up to 1.1e-4 with the 1e-3 floor): those carry
    /// the rounding of the large elements, which PyTorch's own float32 shares.
    public static let alignmentLoss: Float = 1e-5
    /// Central finite differences in float32 (step ``finiteDifferenceStep``) against autodiff.
    public static let finiteDifference: Float = 1e-2
    public static let finiteDifferenceStep: Float = 1e-2
    /// Statistical checks of random streams (seeded, so deterministic): a sample statistic may differ
    /// from its expectation by at most this many standard errors.
    public static let statisticalSigmas: Double = 5
    /// Model-level parity with Hugging Face (DINOv3, ModernBERT, BERT, Qwen3): hidden states / logits.
    public static let modelForward: Float = 1e-4
    /// Model-level gradients (relative).
    public static let modelGradient: Float = 1e-3
    /// The bfloat16 frozen-weight mode against the exact (float64, unrounded) model, normwise relative
    /// (`max|a − b| / max|b|`) for outputs and input gradients of the tiny parity models: the cost of rounding
    /// the Linear weights to 8 significand bits (measured 2.9e-3 … 9.1e-3; PyTorch's CPU bf16 autocast 4.9e-3 … 2.2e-2).
    public static let bfloat16Weights: Float = 1.5e-2
    /// Classification metrics (accuracy, F1, AUC, fold mean/SD) against scikit-learn, in Double.
    public static let metrics: Double = 1e-6
    /// Special functions and p-values (incomplete beta, Student's t, paired tests) against SciPy, relative
    /// (float64 both sides, continued fractions converged to 1e-15).
    public static let specialFunction: Double = 1e-10
    /// Largest gap between a cross-validation fold's class proportions and the whole set's (a few hundred
    /// samples, PAD-UFES-20's class balance).
    public static let foldClassProportion: Double = 0.03
    /// Optimiser updates against `torch.optim` after each of a few steps (relative, float32 both sides).
    public static let optimizerStep: Float = 1e-6
    /// JPEG decoding against Pillow (both libjpeg-turbo, same settings), in 8-bit levels.
    public static let jpegDecodeLevels: Float = 1
    /// Image preprocessing (DINOv3's rescale → resize) against transformers, before normalisation, in [0, 1]
    /// units: the 2/255 requirement.
    public static let imagePreprocessing: Float = 2.0 / 255
    /// BM25 scores and IDFs against rank-bm25 (float64 both sides, same formula; scaled by max(1, |score|)).
    public static let bm25: Double = 1e-12
}
