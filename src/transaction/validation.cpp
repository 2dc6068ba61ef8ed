#include "transaction/validation.hpp"

#include "crypto/secp256k1.hpp"
#include "transaction/codec.hpp"

namespace tern {
namespace {

/// secp256k1 group order n.
constexpr U256 kSecp256k1N{0xBFD25E8CD0364141, 0xBAAEDCE6AF48A03B, 0xFFFFFFFFFFFFFFFE,
                           0xFFFFFFFFFFFFFFFF};
/// floor(n / 2): the largest s allowed by EIP-2.
constexpr U256 kSecp256k1HalfN{0xDFE92F46681B20A0, 0x5D576E7357A4501D, 0xFFFFFFFFFFFFFFFF,
                               0x7FFFFFFFFFFFFFFF};

TxError error(TxErrorCode code, const char* field = "") noexcept
{
    return TxError{code, rlp::DecodingError::InputTooShort, field};
}

/// acc += a * b with overflow detection; returns false on overflow.
bool add_mul(uint64_t& acc, uint64_t a, uint64_t b) noexcept
{
    uint64_t prod = 0;
    if (__builtin_mul_overflow(a, b, &prod))
        return false;
    return !__builtin_add_overflow(acc, prod, &acc);
}

}  // namespace

Result<uint64_t, TxError> intrinsic_gas(const Transaction& tx)
{
    const bool create = !tx.to.has_value();
    if (create && tx.data.size() > tx_gas::kMaxInitcodeSize)
        return error(TxErrorCode::InitcodeTooLarge, "data");
    uint64_t gas = tx_gas::kTransaction;
    if (create)
        gas += tx_gas::kTxCreate;
    uint64_t zeros = 0;
    for (auto b : tx.data)
        zeros += b == 0;
    const uint64_t non_zeros = tx.data.size() - zeros;
    bool ok =
        add_mul(gas, zeros, tx_gas::kDataZero) && add_mul(gas, non_zeros, tx_gas::kDataNonZero);
    uint64_t keys = 0;
    for (const auto& e : tx.access_list)
        keys += e.storage_keys.size();
    ok = ok && add_mul(gas, tx.access_list.size(), tx_gas::kAccessListAddress) &&
         add_mul(gas, keys, tx_gas::kAccessListStorageKey);
    if (create)
    {
        const uint64_t words = (tx.data.size() + 31) / 32;
        ok = ok && add_mul(gas, words, tx_gas::kInitcodeWord);
    }
    if (!ok)
        return error(TxErrorCode::IntrinsicGasOverflow);
    return gas;
}

Result<uint64_t, TxError> validate_stateless(const Transaction& tx, bool fees_charged)
{
    if (tx.nonce == UINT64_MAX)
        return error(TxErrorCode::NonceTooBig, "nonce");
    if (tx.max_priority_fee_per_gas > tx.max_fee_per_gas)
        return error(TxErrorCode::PriorityFeeGreaterThanMaxFee, "max_priority_fee_per_gas");
    if (fees_charged && tx.gas_limit != 0 && tx.max_fee_per_gas > U256::max() / U256{tx.gas_limit})
        return error(TxErrorCode::FeeGasProductOverflow, "max_fee_per_gas");
    auto gas = intrinsic_gas(tx);
    if (!gas)
        return gas;
    if (*gas > tx.gas_limit)
        return error(TxErrorCode::IntrinsicGasTooLow, "gas_limit");
    return gas;
}

Result<Address, TxError> recover_sender(const Transaction& tx, uint64_t chain_id)
{
    if (tx.chain_id && *tx.chain_id != chain_id)
        return error(TxErrorCode::InvalidChainId, "chain_id");
    if (tx.y_parity > 1)
        return error(TxErrorCode::InvalidSignature, "y_parity");
    if (tx.r == 0 || tx.r >= kSecp256k1N)
        return error(TxErrorCode::InvalidSignature, "r");
    if (tx.s == 0 || tx.s > kSecp256k1HalfN)
        return error(TxErrorCode::InvalidSignature, "s");
    const auto sender =
        crypto::recover_address(signing_hash(tx), tx.r.to_hash(), tx.s.to_hash(), tx.y_parity);
    if (!sender)
        return error(TxErrorCode::SignatureRecoveryFailed);
    return *sender;
}

}  // namespace tern
