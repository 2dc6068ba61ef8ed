#pragma once

#include "core/rlp_decode.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tern {

/// Why a transaction was rejected, before any state is consulted. Each code maps to a distinct
/// protocol rule so callers (block validation, RPC, tests) can report precisely.
enum class TxErrorCode : uint8_t
{
    RlpMalformed,             ///< bytes are not a canonical encoding of the fields
    UnsupportedType,          ///< EIP-2718 type byte we do not accept (3 unless enabled, 4, ...)
    InvalidSignature,         ///< v/y_parity, r or s out of range, or high s (EIP-2)
    InvalidChainId,           ///< chain id (or EIP-155 v) does not match this chain
    SignatureRecoveryFailed,  ///< no public key recovers from (r, s, y_parity)
    NonceTooBig,              ///< nonce == 2^64-1 (EIP-2681)
    PriorityFeeGreaterThanMaxFee,  ///< max_priority_fee_per_gas > max_fee_per_gas (EIP-1559)
    FeeGasProductOverflow,         ///< gas_limit * max_fee_per_gas does not fit in 256 bits
    InitcodeTooLarge,              ///< create with more than 49152 bytes of initcode (EIP-3860)
    IntrinsicGasOverflow,          ///< intrinsic gas does not fit in 64 bits
    IntrinsicGasTooLow,            ///< gas_limit < intrinsic gas
};

/// A transaction error: the code, plus for RlpMalformed the RLP error and the field it hit.
struct TxError
{
    TxErrorCode code = TxErrorCode::RlpMalformed;
    rlp::DecodingError rlp_error = rlp::DecodingError::InputTooShort;  ///< RlpMalformed only
    const char* field = "";  ///< static name of the offending field, "" if not field-specific

    /// Human-readable description, e.g. "rlp malformed (nonce): rlp: leading zero bytes".
    std::string message() const;
};

/// Short fixed description of a code, e.g. "transaction type not supported".
std::string_view to_string(TxErrorCode code) noexcept;

}  // namespace tern
