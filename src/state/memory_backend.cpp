#include "state/memory_backend.hpp"

namespace tern::state {

std::optional<AccountInfo> MemoryBackend::read_account(const Address& addr) const
{
    const auto it = accounts_.find(addr);
    if (it == accounts_.end())
        return std::nullopt;
    return it->second.info;
}

U256 MemoryBackend::read_storage(const Address& addr, const U256& key) const
{
    const auto it = accounts_.find(addr);
    if (it == accounts_.end())
        return {};
    const auto s = it->second.storage.find(key);
    return s == it->second.storage.end() ? U256{} : s->second;
}

bool MemoryBackend::has_storage(const Address& addr) const
{
    const auto it = accounts_.find(addr);
    return it != accounts_.end() && !it->second.storage.empty();
}

CodePtr MemoryBackend::read_code(const Hash256& code_hash) const
{
    const auto it = codes_.find(code_hash);
    return it == codes_.end() ? nullptr : it->second;
}

void MemoryBackend::put_account(const Address& addr,
                                uint64_t nonce,
                                const U256& balance,
                                BytesView code,
                                const std::map<U256, U256>& storage)
{
    StoredAccount acc;
    acc.info.nonce = nonce;
    acc.info.balance = balance;
    acc.info.code_hash = keccak256(code);
    if (!code.empty())
        codes_.try_emplace(acc.info.code_hash, std::make_shared<const Bytes>(to_bytes(code)));
    for (const auto& [k, v] : storage)
        if (v)
            acc.storage.emplace(k, v);
    accounts_[addr] = std::move(acc);
}

CodePtr MemoryBackend::read_blob(const Hash256& hash) const
{
    const auto it = blobs_.find(hash);
    return it == blobs_.end() ? nullptr : it->second;
}

void MemoryBackend::apply(const StateDiff& diff)
{
    for (const auto& [hash, blob] : diff.blobs)
        blobs_.try_emplace(hash, blob);
    for (const auto& [addr, d] : diff.accounts)
    {
        if (d.deleted)
        {
            accounts_.erase(addr);
            continue;
        }
        auto& acc = accounts_[addr];
        acc.info = d.info;
        if (d.code && !d.code->empty())
            codes_.try_emplace(d.info.code_hash, d.code);
        if (d.storage_cleared)
            acc.storage.clear();
        for (const auto& [k, v] : d.storage)
        {
            if (v)
                acc.storage[k] = v;
            else
                acc.storage.erase(k);
        }
    }
}

}  // namespace tern::state
