#include "transaction/error.hpp"

namespace tern {

std::string_view to_string(TxErrorCode code) noexcept
{
    switch (code)
    {
        case TxErrorCode::RlpMalformed:
            return "rlp malformed";
        case TxErrorCode::UnsupportedType:
            return "transaction type not supported";
        case TxErrorCode::InvalidSignature:
            return "invalid signature values";
        case TxErrorCode::InvalidChainId:
            return "invalid chain id";
        case TxErrorCode::SignatureRecoveryFailed:
            return "signature recovery failed";
        case TxErrorCode::NonceTooBig:
            return "nonce too big (EIP-2681)";
        case TxErrorCode::PriorityFeeGreaterThanMaxFee:
            return "max priority fee per gas higher than max fee per gas";
        case TxErrorCode::FeeGasProductOverflow:
            return "gas limit * max fee per gas overflows 256 bits";
        case TxErrorCode::InitcodeTooLarge:
            return "initcode size exceeds 49152 bytes";
        case TxErrorCode::IntrinsicGasOverflow:
            return "intrinsic gas overflows 64 bits";
        case TxErrorCode::IntrinsicGasTooLow:
            return "intrinsic gas too low";
    }
    return "unknown transaction error";
}

std::string TxError::message() const
{
    std::string m(to_string(code));
    if (field != nullptr && field[0] != '\0')
    {
        m += " (";
        m += field;
        m += ")";
    }
    if (code == TxErrorCode::RlpMalformed)
    {
        m += ": ";
        m += rlp::to_string(rlp_error);
    }
    return m;
}

}  // namespace tern
