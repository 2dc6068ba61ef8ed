#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "transaction/transaction.hpp"

#include <cstdint>
#include <string>

namespace tern::txpool {

/// Recovers the sender of a signed transaction for chain `chain_id`; the error is geth's
/// message ("invalid chain id for signer", "invalid transaction v, r, s values", "invalid
/// sender"), as eth_sendRawTransaction and CheckTx report it.
Result<Address, std::string> recover_sender_for_rpc(const Transaction& tx, uint64_t chain_id);

}  // namespace tern::txpool
