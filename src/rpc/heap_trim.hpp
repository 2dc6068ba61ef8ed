#pragma once

#include <cstddef>

namespace tern::rpc {

/// Bytes of large answers after which freed heap memory is given back to the OS.
inline constexpr size_t kHeapTrimThreshold = 4 * 1024 * 1024;

/// Notes that about `bytes` of memory built for an answer (a large result, or a query dropped
/// at its limit) is being freed. glibc keeps freed pages in its arenas: 16 concurrent
/// eth_getLogs answers left the node 300 MB (3 GB before the result limit) larger for good.
/// Once kHeapTrimThreshold bytes have been noted, a background thread (started on first need,
/// one per process: the heap is the process's) waits for the burst to settle (100 ms without
/// new notes, 1 s at most; at most one trim a second) and calls malloc_trim(0), which returns the
/// free pages inside the arenas too; RSS went back to within 5 MB of its level before the queries.
/// Notes under 64 KiB (most answers) return at once; larger ones take a lock.
void note_large_free(size_t bytes) noexcept;

/// Number of malloc_trim calls made so far (tests).
size_t heap_trims() noexcept;

}  // namespace tern::rpc
