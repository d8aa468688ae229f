// Cache prefetch hints for the kernels: Swift has no spelling for them, C has `__builtin_prefetch`.

#ifndef CPREFETCH_H
#define CPREFETCH_H

/// Asks the processor to bring the cache line holding `address` into L1 for writing, without
/// waiting for it (`prefetchw` / `prefetcht0`). A hint: it never faults and changes no result.
static inline __attribute__((always_inline)) void tp_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Asks the processor to bring the cache line holding `address` into L1 for reading.
static inline __attribute__((always_inline)) void tp_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
