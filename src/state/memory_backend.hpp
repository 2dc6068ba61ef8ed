#pragma once

#include "state/account.hpp"
#include "state/reader.hpp"

#include <map>

namespace tern::state {

/// An account as the in-memory backend keeps it: info plus its full storage.
struct StoredAccount
{
    AccountInfo info;
    std::map<U256, U256> storage;  ///< only non-zero values
};

/// In-memory backing store: ordered maps, so iteration (state roots, dumps) is deterministic.
/// Used by tests and the state-test runner; a database backend will implement StateReader too.
class MemoryBackend final : public StateReader
{
public:
    std::optional<AccountInfo> read_account(const Address& addr) const override;
    U256 read_storage(const Address& addr, const U256& key) const override;
    bool has_storage(const Address& addr) const override;
    CodePtr read_code(const Hash256& code_hash) const override;
    CodePtr read_blob(const Hash256& hash) const override;

    /// Inserts or replaces an account with its code and storage (zero slots are skipped);
    /// used to load genesis / pre-states.
    void put_account(const Address& addr,
                     uint64_t nonce,
                     const U256& balance,
                     BytesView code,
                     const std::map<U256, U256>& storage = {});

    /// Applies the committed changes of executed transactions.
    void apply(const StateDiff& diff);

    /// All accounts in address order (for state roots and dumps).
    const std::map<Address, StoredAccount>& accounts() const noexcept { return accounts_; }

private:
    std::map<Address, StoredAccount> accounts_;
    std::map<Hash256, CodePtr> codes_;
    std::map<Hash256, CodePtr> blobs_;
};

}  // namespace tern::state
