#include "predeployed/store.hpp"

#include "core/assert.hpp"
#include "state/state.hpp"

namespace tern::predeployed {

U256 StateStore::get(const U256& key) const
{
    ++reads_;
    return state_.storage(account_, key);
}

void StateStore::set(const U256& key, const U256& value)
{
    ++writes_;
    if (!state_.exists(account_))
    {
        // A chain whose genesis did not predeploy the account: keep it non-empty (nonce 1) so
        // EIP-161 never clears it with its storage.
        state_.create_account(account_);
        state_.set_nonce(account_, 1);
    }
    state_.set_storage(account_, key, value);
}

state::CodePtr StateStore::blob(const Hash256& hash) const
{
    auto b = state_.blob(hash);
    if (b)
        blob_bytes_ += b->size();
    return b;
}

Hash256 StateStore::put_blob(Bytes data)
{
    blob_bytes_ += data.size();
    return state_.put_blob(std::move(data));
}

U256 ReaderStore::get(const U256& key) const
{
    ++reads_;
    return reader_.read_storage(account_, key);
}

void ReaderStore::set(const U256&, const U256&)
{
    TERN_ASSERT(false && "predeployed: a read-only store was written");
}

state::CodePtr ReaderStore::blob(const Hash256& hash) const
{
    auto b = reader_.read_blob(hash);
    if (b)
        blob_bytes_ += b->size();
    return b;
}

Hash256 ReaderStore::put_blob(Bytes)
{
    TERN_ASSERT(false && "predeployed: a read-only store was written");
    return {};
}

U256 GenesisStore::get(const U256& key) const
{
    const auto it = slots_.find(key);
    return it == slots_.end() ? U256{} : it->second;
}

void GenesisStore::set(const U256& key, const U256& value)
{
    slots_[key] = value;
}

std::vector<std::pair<U256, U256>> GenesisStore::storage() const
{
    std::vector<std::pair<U256, U256>> out;
    for (const auto& [k, v] : slots_)
        if (v)
            out.emplace_back(k, v);
    return out;
}

}  // namespace tern::predeployed
