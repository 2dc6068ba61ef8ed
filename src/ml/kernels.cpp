// Kernel dispatch (kernels.hpp): which GEMM kernels run, decided once from the CPU.

#include "ml/kernels.hpp"

#include <atomic>

namespace tern::ml {
namespace {

bool detect_avx2() noexcept
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
#else
    return false;
#endif
}

std::atomic<KernelIsa>& current()
{
    static std::atomic<KernelIsa> isa{vnni_available()   ? KernelIsa::Avx2Vnni
                                      : avx2_available() ? KernelIsa::Avx2
                                                         : KernelIsa::Scalar};
    return isa;
}

}  // namespace

bool avx2_available() noexcept
{
    static const bool ok = detect_avx2();
    return ok;
}

KernelIsa kernel_isa() noexcept
{
    return current().load(std::memory_order_relaxed);
}

KernelIsa set_kernel_isa(KernelIsa isa) noexcept
{
    if (isa == KernelIsa::Avx2Vnni && !vnni_available())
        isa = KernelIsa::Avx2;
    if (isa == KernelIsa::Avx2 && !avx2_available())
        isa = KernelIsa::Scalar;
    return current().exchange(isa, std::memory_order_relaxed);
}

}  // namespace tern::ml
