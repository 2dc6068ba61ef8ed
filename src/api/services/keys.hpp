#pragma once

#include "chain/dev_accounts.hpp"
#include "core/bytes.hpp"

#include <optional>
#include <vector>

namespace tern::api {

/// The unlocked dev accounts: eth_accounts lists them; eth_sendTransaction, eth_sign and
/// eth_signTypedData_v4 sign with their keys.
struct DevKeys
{
    std::vector<chain::DevAccount> accounts;

    /// The secret key of `addr`, if it is a dev account.
    std::optional<Hash256> key_of(const Address& addr) const
    {
        for (const auto& a : accounts)
            if (a.address == addr)
                return a.secret_key;
        return std::nullopt;
    }
};

/// A 65-byte signature r ++ s ++ v (v = 27 + recovery id) of `hash` with `key`, as eth_sign
/// returns it; nullopt for an invalid key.
std::optional<Bytes> sign_hash_65(const Hash256& hash, const Hash256& key);

/// EIP-191 personal message hash: keccak256("\x19Ethereum Signed Message:\n" + len + message).
Hash256 personal_message_hash(BytesView message);

}  // namespace tern::api
