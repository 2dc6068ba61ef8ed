#pragma once

#include <cstddef>

namespace tern::api {

class Backend;
class MethodTable;

/// Adds web3_*, net_*, eth_* (blocks, state, transactions, sends, calls, fees, logs),
/// personal_sign and evm_mine over `backend`; typed data nests at most `json_max_depth` levels.
void add_eth_methods(MethodTable& table, Backend& backend, size_t json_max_depth);

}  // namespace tern::api
