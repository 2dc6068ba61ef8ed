#include "txpool/recover_sender.hpp"

#include "transaction/validation.hpp"

namespace tern::txpool {

Result<Address, std::string> recover_sender_for_rpc(const Transaction& tx, uint64_t chain_id)
{
    auto sender = recover_sender(tx, chain_id);
    if (sender)
        return *sender;
    switch (sender.error().code)
    {
        case TxErrorCode::InvalidChainId:
            return std::string("invalid chain id for signer");
        case TxErrorCode::InvalidSignature:
            return std::string("invalid transaction v, r, s values");
        default:
            return std::string("invalid sender");
    }
}

}  // namespace tern::txpool
