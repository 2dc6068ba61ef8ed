#include "execution/fee_policy.hpp"

#include "core/keccak.hpp"

namespace tern::execution {
namespace {

/// keccak256 of `v` as 32 big-endian bytes (Solidity's keccak256(abi.encode(uint256))).
U256 keccak_word(const U256& v) noexcept
{
    uint8_t buf[32];
    v.to_be_bytes(buf);
    return U256::from_hash(keccak256(BytesView{buf, 32}));
}

}  // namespace

U256 pow_external_gas(const Address& sender,
                      uint64_t nonce,
                      const U256& gas_price,
                      const U256& difficulty) noexcept
{
    U256 h = U256::from_hash(keccak256(sender.view())) ^ keccak_word(U256{nonce}) ^
             keccak_word(gas_price);
    if (h == U256{})
        h = U256{1};
    return U256::max() / h / difficulty;
}

bool pays_with_work(const FeePolicy& policy, const Transaction& tx, const Address& sender) noexcept
{
    if (policy.pow_difficulty == U256{})
        return false;
    return pow_external_gas(sender, tx.nonce, tx.max_fee_per_gas, policy.pow_difficulty) >=
           U256{tx.gas_limit};
}

bool fee_exempt(const FeePolicy& policy, const Transaction& tx, const Address& sender) noexcept
{
    return policy.free || pays_with_work(policy, tx, sender);
}

U256 effective_gas_price(const FeePolicy& policy,
                         const Transaction& tx,
                         const Address& sender,
                         const U256& base_fee) noexcept
{
    if (fee_exempt(policy, tx, sender))
        return U256{};
    if (tx.max_fee_per_gas < base_fee)
        return tx.max_fee_per_gas;
    const U256 headroom = tx.max_fee_per_gas - base_fee;
    return base_fee +
           (tx.max_priority_fee_per_gas < headroom ? tx.max_priority_fee_per_gas : headroom);
}

}  // namespace tern::execution
