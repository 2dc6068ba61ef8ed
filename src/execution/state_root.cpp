#include "execution/state_root.hpp"

#include "core/rlp_encode.hpp"
#include "trie/trie_builder.hpp"

namespace tern::execution {

Hash256 storage_root(const std::map<U256, U256>& storage)
{
    if (storage.empty())
        return kEmptyTrieRoot;
    trie::TrieBuilder t{trie::KeyMode::kSecure};
    Bytes value;
    for (const auto& [key, v] : storage)
    {
        if (!v)
            continue;
        uint8_t k[32];
        key.to_be_bytes(k);
        uint8_t be[32];
        v.to_be_bytes(be);
        value.clear();
        rlp::encode_bytes(value, rlp::trim_leading_zeros({be, 32}));
        t.put({k, 32}, value);
    }
    return t.root();
}

Bytes encode_account(const state::AccountInfo& info, const Hash256& storage_root)
{
    Bytes payload;
    rlp::encode_uint(payload, info.nonce);
    uint8_t be[32];
    info.balance.to_be_bytes(be);
    rlp::encode_bytes(payload, rlp::trim_leading_zeros({be, 32}));
    rlp::encode_bytes(payload, storage_root.view());
    rlp::encode_bytes(payload, info.code_hash.view());
    return rlp::wrap_list(payload);
}

Hash256 state_root(const state::MemoryBackend& backend)
{
    trie::TrieBuilder t{trie::KeyMode::kSecure};
    for (const auto& [addr, acc] : backend.accounts())
        t.put(addr.view(), encode_account(acc.info, storage_root(acc.storage)));
    return t.root();
}

}  // namespace tern::execution
