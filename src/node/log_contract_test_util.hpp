#pragma once

// Helpers for the filter and subscription tests: a contract that emits one log per call, and
// signed transactions from the dev accounts.

#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "execution/host.hpp"
#include "node/test_util.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace tern::node::test {

/// Init code of the log contract. Runtime: empty calldata returns slot 0; a 32-byte word X
/// reverts if X == 0, else stores X in slot 0 and emits LOG1 with topic X and no data.
inline constexpr const char* kLogContractInit =
    "0x607b80600b6000396000f3361560175760003580156023578060005560006000a1005b6000546000526020"
    "6000f35b7f08c379a000000000000000000000000000000000000000000000000000000000600052602060045"
    "260046024527f7a65726f0000000000000000000000000000000000000000000000000000000060445260646"
    "000fd";

/// `v` as a 32-byte word, "0x"-hex (a topic of the log contract).
inline std::string word(uint64_t v)
{
    return to_hex(U256{v}.to_hash().view());
}

/// Signs transactions of the dev accounts (chain 31337, zero fees) and keeps their nonces.
class TxSigner
{
public:
    TxSigner() : accounts_(chain::default_dev_accounts()), nonces_(accounts_.size(), 0) {}

    /// A raw EIP-1559 transaction from dev account `from` with its next nonce.
    std::string raw(size_t from, std::optional<Address> to, const Bytes& data)
    {
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 31337;
        t.nonce = nonces_[from]++;
        t.gas_limit = 200'000;
        t.to = to;
        t.data = data;
        return sign_raw(t, accounts_[from].secret_key);
    }

    /// A deployment of the log contract from `from`, and the address it creates.
    std::pair<std::string, Address> deploy(size_t from)
    {
        const Address created = execution::create_address(accounts_[from].address, nonces_[from]);
        return {raw(from, std::nullopt, *from_hex(kLogContractInit)), created};
    }

    /// A call making `contract` emit a log with topic word(x).
    std::string emit(size_t from, const Address& contract, uint64_t x)
    {
        return raw(from, contract, *from_hex(word(x)));
    }

    /// Address of dev account `i`.
    const Address& address(size_t i) const { return accounts_[i].address; }

private:
    std::vector<chain::DevAccount> accounts_;
    std::vector<uint64_t> nonces_;
};

/// "0x"-hex of an address.
inline std::string hex(const Address& a)
{
    return to_hex(a.view());
}

}  // namespace tern::node::test
