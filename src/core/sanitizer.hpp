#pragma once

/// TERN_ADDRESS_SANITIZER is 1 in a build with AddressSanitizer (GCC or clang), else 0.
#if defined(__SANITIZE_ADDRESS__)
#    define TERN_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#    if __has_feature(address_sanitizer)
#        define TERN_ADDRESS_SANITIZER 1
#    endif
#endif
#ifndef TERN_ADDRESS_SANITIZER
#    define TERN_ADDRESS_SANITIZER 0
#endif

namespace tern {

/// True in a build with AddressSanitizer: its allocator replaces glibc's, so glibc's heap
/// statistics read zero and malloc_trim has nothing to give back. Tests that measure the heap
/// use the sanitizer's own count there, or skip.
inline constexpr bool kAddressSanitizer = TERN_ADDRESS_SANITIZER != 0;

}  // namespace tern
