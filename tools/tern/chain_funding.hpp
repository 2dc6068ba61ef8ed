#pragma once

// Who a new chain's genesis funds (`tern chain init --alloc/--fund/--dev-accounts`).

#include "chain/genesis.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::tools {

/// An amount of ether: wei as a decimal or 0x-hex integer ("1000000", "0x3e8"), or a decimal
/// number with a unit: "wei", "gwei" (1e9 wei), "ether" or "eth" (1e18 wei), e.g. "100ether",
/// "1.5ether", "20gwei". nullopt if malformed, more precise than a wei, or above 2^256-1.
std::optional<U256> parse_amount(std::string_view text);

/// `wei` in ether, trailing zeros dropped: "10000 ether", "1.5 ether", "0.000000000000000016
/// ether".
std::string format_ether(const U256& wei);

/// What `tern chain init` was asked to fund.
struct FundingRequest
{
    /// geth-format alloc file: an object of address -> {balance, nonce, code, storage}, or a
    /// genesis file whose `alloc` is taken; empty: none.
    std::string alloc_file;
    /// "ADDRESS=AMOUNT" entries (parse_amount syntax).
    std::vector<std::string> fund;
    /// The kDevAccountCount accounts of the public test mnemonic, kDevAccountBalance each.
    bool dev_accounts = false;
};

/// The genesis accounts `request` asks for; an error names the bad entry (an address funded
/// twice, by two entries or two sources, is one).
Result<std::map<Address, chain::GenesisAccount>, std::string> funded_accounts(
    const FundingRequest& request);

}  // namespace tern::tools
