#include "execution/block_env.hpp"
#include "core/protocol.hpp"

namespace tern::execution {

U256 fake_exponential(const U256& factor, const U256& numerator, const U256& denominator) noexcept
{
    U256 output;
    U256 accum = factor * denominator;
    for (uint64_t i = 1; accum; ++i)
    {
        output += accum;
        accum = (accum * numerator) / (denominator * U256{i});
    }
    return output / denominator;
}

U256 blob_base_fee(uint64_t excess_blob_gas) noexcept
{
    return fake_exponential(U256{1}, U256{excess_blob_gas},
                            U256{protocol::kBlobBaseFeeUpdateFraction});
}

}  // namespace tern::execution
