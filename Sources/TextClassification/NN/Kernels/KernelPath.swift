import CKernels

/// Which compiled kernels run the numeric work: `avx512`, `avx2` (with FMA) or `generic`,
/// chosen once from the CPU (or from `TEXTCLF_KERNEL`), whatever flags the build had.
///
/// ```swift
/// KernelPath.active       // "avx512" on a Zen 4, "avx2" on a Zen 3
/// ```
public enum KernelPath {
    /// The path in use.
    public static var active: String { GEMM.name(of: textclf_kernel_path()) }
    /// Every path this CPU runs, the best last.
    public static var available: [String] { (0...textclf_kernel_best_path()).map(GEMM.name(of:)) }
}
