// libFuzzer target: runs a precompile chosen by the first input byte on the rest of the input and
// checks the gas/status/output invariants. Built by fuzz/CMakeLists.txt (preset `fuzz`).
#include "precompiles/modexp.hpp"
#include "precompiles/precompiles.hpp"

#include "core/assert.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace tern;
    if (size == 0)
        return 0;
    const Address addr = address_from_u64(1 + data[0] % 10);
    const BytesView input{data + 1, size - 1};
    // Enough gas for every realistic input, little enough to keep blake2f and modexp fast.
    constexpr int64_t kGas = 2'000'000;

    const evm::ExecResult r = precompiles::execute(addr, input, kGas);
    switch (r.status)
    {
        case evm::Status::Success:
            TERN_ASSERT(r.gas_left >= 0 && r.gas_left <= kGas);
            break;
        case evm::Status::OutOfGas:
        case evm::Status::PrecompileFailure:
            TERN_ASSERT(r.gas_left == 0 && r.output.empty());
            break;
        default:
            TERN_ASSERT(false);
    }
    if (addr == address_from_u64(5) && r.status == evm::Status::Success)
    {
        // The output is exactly mod_len bytes (the third length word).
        uint8_t len_word[32] = {};
        for (size_t i = 0; i < 32 && 64 + i < input.size(); ++i)
            len_word[i] = input[64 + i];
        uint64_t mod_len = 0;
        for (size_t i = 24; i < 32; ++i)
            mod_len = (mod_len << 8) | len_word[i];
        TERN_ASSERT(r.output.size() == mod_len);
        TERN_ASSERT(static_cast<uint64_t>(kGas - r.gas_left) == precompiles::modexp_gas(input));
    }
    return 0;
}
