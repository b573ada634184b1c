import COpenBLAS
import CPRIMAOneDNN
import Foundation

/// Which library multiplies float32 matrices.
///
/// Both run each block of a product on one thread (``BLASThreading``); they differ in the kernels they pick for
/// the CPU. The system OpenBLAS (0.3.21 on Debian 12) selects its kernels by CPU model and runs its AVX2
/// (`Haswell`) kernels on CPUs it does not know, AMD's Zen 4 and Zen 5 among them, although they have AVX-512;
/// oneDNN selects by instruction set. On a Zen 5 core that is 2× in float32 products (`Benchmarks/gemm-peak.sh`).
/// The automatic choice is oneDNN where it has AVX-512 kernels and OpenBLAS does not use its own; OpenBLAS
/// everywhere else (on AVX2-only CPUs the two were level, Documentation/Benchmarks.md).
///
/// The two libraries sum in different orders, so results differ in the last bits between them (tested: within
/// float32 rounding of a k-term sum); a process uses one of them for all of its products.
public enum SGEMMBackend: String, Sendable, CaseIterable {
    /// OpenBLAS's `cblas_sgemm`.
    case openBLAS = "openblas"
    /// oneDNN's `dnnl_sgemm`.
    case oneDNN = "onednn"

    /// This process's library, read once from `PRIMA_SGEMM` (`auto`, `openblas` or `onednn`; default `auto`,
    /// which is ``automaticChoice``). ``BLASThreading/openBLAS`` threading always uses OpenBLAS.
    public static let current: SGEMMBackend = {
        let text = ProcessInfo.processInfo.environment["PRIMA_SGEMM"] ?? ""
        if text.isEmpty || text == "auto" { return automaticChoice }
        if let chosen = SGEMMBackend(rawValue: text) {
            if chosen == .oneDNN && !oneDNNHasAVX512 {
                warn("PRIMA_SGEMM=onednn on a CPU without AVX-512: oneDNN's float32 kernels are no faster than "
                     + "OpenBLAS's here, used as asked")
            }
            return chosen
        }
        // An environment variable cannot throw to anyone; say so once and keep the automatic choice.
        warn("PRIMA_SGEMM=\(text) is not one of auto, openblas, onednn; using auto")
        return automaticChoice
    }()

    /// oneDNN when it runs AVX-512 kernels here and OpenBLAS runs none of its AVX-512 ones; else OpenBLAS.
    public static var automaticChoice: SGEMMBackend {
        choice(oneDNNHasAVX512: oneDNNHasAVX512, openBLASKernels: openBLASKernels)
    }

    /// The rule behind ``automaticChoice``, for given facts about the CPU.
    static func choice(oneDNNHasAVX512: Bool, openBLASKernels: String) -> SGEMMBackend {
        oneDNNHasAVX512 && !openBLASAVX512Kernels.contains(openBLASKernels.lowercased()) ? .oneDNN : .openBLAS
    }

    /// The kernel family OpenBLAS chose for this CPU (`openblas_get_corename`), for example `Haswell`.
    public static var openBLASKernels: String { String(cString: openblas_get_corename()) }

    /// Whether oneDNN runs its float32 products with AVX-512 kernels on this CPU.
    public static var oneDNNHasAVX512: Bool { prima_f32_gemm_has_avx512() != 0 }

    /// Products with fewer multiply-adds than this run on OpenBLAS under either choice: oneDNN's sgemm costs about
    /// a microsecond per call before it multiplies, OpenBLAS's a tenth of that (measured on a Zen 5 core: 16³ took
    /// 1.18 µs against 0.17 µs; from 32³ on oneDNN was the faster, 64³ 3.5 against 5.3 µs).
    public static let oneDNNMinimumWork = 32 * 32 * 32

    /// OpenBLAS's kernel families that use AVX-512.
    static let openBLASAVX512Kernels: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
