// How TensorCore asks the C allocator for memory.

#if canImport(Glibc)
import Glibc

// NOTE: `mallopt` is not exported by Swift's Glibc module.
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// The allocator policy of TensorCore, applied once before the first tensor is allocated.
///
/// glibc serves blocks above 128 KiB with fresh `mmap` pages and gives freed memory back to the
/// kernel above a trim threshold, so every large tensor of a training step or an attention call
/// starts with page faults on zeroed pages — a fifth of a small model's training step here.
/// Keeping blocks of up to 32 MiB (glibc's limit) in the heap and trimming only above 512 MiB
/// lets them be reused instead.
enum Allocator {
    static let configured: Bool = {
        #if canImport(Glibc)
        _ = mallopt(-3, 32 << 20)     // M_MMAP_THRESHOLD
        _ = mallopt(-1, 512 << 20)    // M_TRIM_THRESHOLD
        #endif
        return true
    }()
}
