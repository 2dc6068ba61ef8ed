#include "filestorage/store.hpp"

#include "core/assert.hpp"
#include "filestorage/constants.hpp"
#include "state/state.hpp"

namespace tern::filestorage {

U256 StateStore::get(const U256& key) const
{
    ++reads_;
    return state_.storage(kFileStorageAddress, key);
}

void StateStore::set(const U256& key, const U256& value)
{
    ++writes_;
    if (!state_.exists(kFileStorageAddress))
    {
        // A chain whose genesis did not predeploy the account: keep it non-empty (nonce 1) so
        // EIP-161 never clears it with its storage.
        state_.create_account(kFileStorageAddress);
        state_.set_nonce(kFileStorageAddress, 1);
    }
    state_.set_storage(kFileStorageAddress, key, value);
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
    return reader_.read_storage(kFileStorageAddress, key);
}

void ReaderStore::set(const U256&, const U256&)
{
    TERN_ASSERT(false && "filestorage: a read-only store was written");
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
    TERN_ASSERT(false && "filestorage: a read-only store was written");
    return {};
}

}  // namespace tern::filestorage
