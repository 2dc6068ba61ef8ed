#pragma once

#include "core/bytes.hpp"

#include <cstdint>
#include <optional>

namespace tern::crypto {

/// Recovers the signer address from a 32-byte message hash and signature (r, s as big-endian
/// 32 bytes, recovery id 0 or 1). nullopt if invalid (r or s zero or >= n, recid > 1, no point).
/// Does not enforce low-s: callers (transaction validation) apply EIP-2 themselves, while
/// ECRECOVER accepts high s.
std::optional<Address> recover_address(const Hash256& hash,
                                       const Hash256& r,
                                       const Hash256& s,
                                       uint8_t recid) noexcept;

/// A recoverable ECDSA signature: r, s big-endian, recovery id 0 or 1.
struct Signature
{
    Hash256 r;
    Hash256 s;
    uint8_t recovery_id = 0;
};

/// Signs a 32-byte hash with a secret key (RFC6979 nonce, low-s). nullopt for an invalid key
/// (zero or >= curve order). Used by tests and tooling to build signed transactions.
std::optional<Signature> sign(const Hash256& hash, const Hash256& secret_key) noexcept;

/// Address (keccak of the uncompressed public key, low 20 bytes) of a secret key; nullopt for an
/// invalid key.
std::optional<Address> address_from_secret(const Hash256& secret_key) noexcept;

/// Address of a 64-byte uncompressed public key (x || y, no 0x04 prefix).
Address address_from_public_key(const uint8_t (&pubkey64)[64]) noexcept;

}  // namespace tern::crypto
