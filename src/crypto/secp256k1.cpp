#include "crypto/secp256k1.hpp"

#include "core/keccak.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>

namespace tern::crypto {
namespace {

/// The library context, created once on first use and never modified afterwards (libsecp256k1
/// contexts are safe to share between threads for all const operations).
const secp256k1_context* context() noexcept
{
    static const secp256k1_context* const ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return ctx;
}

/// Serialises a public key uncompressed and hashes its 64 coordinate bytes into an address.
Address address_of(const secp256k1_pubkey& pubkey) noexcept
{
    uint8_t serialized[65];
    size_t len = sizeof(serialized);
    secp256k1_ec_pubkey_serialize(context(), serialized, &len, &pubkey, SECP256K1_EC_UNCOMPRESSED);
    uint8_t xy[64];
    std::memcpy(xy, serialized + 1, 64);
    return address_from_public_key(xy);
}

}  // namespace

Address address_from_public_key(const uint8_t (&pubkey64)[64]) noexcept
{
    const Hash256 h = keccak256(BytesView{pubkey64, 64});
    Address a;
    std::memcpy(a.bytes.data(), h.bytes.data() + 12, 20);
    return a;
}

std::optional<Address> recover_address(const Hash256& hash,
                                       const Hash256& r,
                                       const Hash256& s,
                                       uint8_t recid) noexcept
{
    if (recid > 1)
        return std::nullopt;
    uint8_t compact[64];
    std::memcpy(compact, r.bytes.data(), 32);
    std::memcpy(compact + 32, s.bytes.data(), 32);
    secp256k1_ecdsa_recoverable_signature sig;
    // parse_compact rejects r or s >= n (overflow); zero values are rejected by ecdsa_recover.
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &sig, compact, recid))
        return std::nullopt;
    secp256k1_pubkey pubkey;
    if (!secp256k1_ecdsa_recover(context(), &pubkey, &sig, hash.bytes.data()))
        return std::nullopt;
    return address_of(pubkey);
}

std::optional<Signature> sign(const Hash256& hash, const Hash256& secret_key) noexcept
{
    if (!secp256k1_ec_seckey_verify(context(), secret_key.bytes.data()))
        return std::nullopt;
    secp256k1_ecdsa_recoverable_signature sig;
    if (!secp256k1_ecdsa_sign_recoverable(context(), &sig, hash.bytes.data(),
                                          secret_key.bytes.data(), nullptr, nullptr))
        return std::nullopt;
    uint8_t compact[64];
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &recid, &sig);
    Signature out;
    std::memcpy(out.r.bytes.data(), compact, 32);
    std::memcpy(out.s.bytes.data(), compact + 32, 32);
    out.recovery_id = static_cast<uint8_t>(recid);
    return out;
}

std::optional<Address> address_from_secret(const Hash256& secret_key) noexcept
{
    secp256k1_pubkey pubkey;
    if (!secp256k1_ec_pubkey_create(context(), &pubkey, secret_key.bytes.data()))
        return std::nullopt;
    return address_of(pubkey);
}

}  // namespace tern::crypto
