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

const float* row_major_b(int64_t K,
                         int64_t N,
                         const float* b,
                         int64_t& b_rs,
                         int64_t b_cs,
                         std::vector<float>& copy)
{
    if (b_cs == 1)
        return b;
    copy.resize(static_cast<size_t>(K * N));
    for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < N; ++j)
            copy[static_cast<size_t>(k * N + j)] = b[k * b_rs + j * b_cs];
    b_rs = N;
    return copy.data();
}

}  // namespace tern::ml
