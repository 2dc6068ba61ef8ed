#include "chain/dev_accounts.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"

#include <cryptopp/hmac.h>
#include <cryptopp/pwdbased.h>
#include <cryptopp/sha.h>
#include <secp256k1.h>

#include <charconv>
#include <cstring>

namespace tern::chain {
namespace {

/// The library context for key tweaks and public keys, created once and never modified
/// afterwards (safe to share for const operations).
const secp256k1_context* context() noexcept
{
    static const secp256k1_context* const ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return ctx;
}

using Hmac512 = std::array<uint8_t, 64>;

Hmac512 hmac_sha512(BytesView key, BytesView data)
{
    CryptoPP::HMAC<CryptoPP::SHA512> mac(key.data(), key.size());
    mac.Update(data.data(), data.size());
    Hmac512 out;
    mac.Final(out.data());
    return out;
}

/// Extended private key: secret key and chain code.
struct ExtendedKey
{
    Hash256 key;
    Hash256 chain_code;
};

/// Splits I = IL || IR; IL must be a valid scalar (checked by the caller's tweak).
void split(const Hmac512& i, Hash256& left, Hash256& right) noexcept
{
    std::memcpy(left.bytes.data(), i.data(), 32);
    std::memcpy(right.bytes.data(), i.data() + 32, 32);
}

/// CKDpriv: the child of `parent` at `index` (hardened if index >= 2^31).
std::optional<ExtendedKey> child_key(const ExtendedKey& parent, uint32_t index)
{
    uint8_t data[37];
    size_t len = 0;
    if (index & kHardened)
    {
        data[0] = 0;
        std::memcpy(data + 1, parent.key.bytes.data(), 32);
        len = 33;
    }
    else
    {
        secp256k1_pubkey pub;
        if (!secp256k1_ec_pubkey_create(context(), &pub, parent.key.bytes.data()))
            return std::nullopt;
        size_t plen = 33;
        secp256k1_ec_pubkey_serialize(context(), data, &plen, &pub, SECP256K1_EC_COMPRESSED);
        len = 33;
    }
    for (int b = 0; b < 4; ++b)
        data[len + static_cast<size_t>(b)] = static_cast<uint8_t>(index >> (24 - 8 * b));
    len += 4;
    const Hmac512 i = hmac_sha512(parent.chain_code.view(), BytesView{data, len});
    ExtendedKey child;
    Hash256 tweak;
    split(i, tweak, child.chain_code);
    child.key = parent.key;
    // key = IL + k_par (mod n); fails if IL >= n or the sum is zero.
    if (!secp256k1_ec_seckey_verify(context(), tweak.bytes.data()) ||
        !secp256k1_ec_seckey_tweak_add(context(), child.key.bytes.data(), tweak.bytes.data()))
        return std::nullopt;
    return child;
}

}  // namespace

Seed mnemonic_to_seed(std::string_view mnemonic, std::string_view passphrase)
{
    const std::string salt = "mnemonic" + std::string(passphrase);
    CryptoPP::PKCS5_PBKDF2_HMAC<CryptoPP::SHA512> kdf;
    Seed seed{};
    kdf.DeriveKey(seed.data(), seed.size(), 0, reinterpret_cast<const uint8_t*>(mnemonic.data()),
                  mnemonic.size(), reinterpret_cast<const uint8_t*>(salt.data()), salt.size(),
                  2048);
    return seed;
}

std::optional<std::vector<uint32_t>> parse_derivation_path(std::string_view path)
{
    if (path.empty() || path[0] != 'm')
        return std::nullopt;
    path.remove_prefix(1);
    std::vector<uint32_t> out;
    while (!path.empty())
    {
        if (path[0] != '/')
            return std::nullopt;
        path.remove_prefix(1);
        size_t end = 0;
        while (end < path.size() && path[end] >= '0' && path[end] <= '9')
            ++end;
        if (end == 0 || end > 10)
            return std::nullopt;
        uint64_t v = 0;
        std::from_chars(path.data(), path.data() + end, v);
        if (v >= kHardened)
            return std::nullopt;
        path.remove_prefix(end);
        uint32_t index = static_cast<uint32_t>(v);
        if (!path.empty() && (path[0] == '\'' || path[0] == 'h' || path[0] == 'H'))
        {
            index |= kHardened;
            path.remove_prefix(1);
        }
        out.push_back(index);
    }
    return out;
}

std::optional<Hash256> derive_secret_key(BytesView seed, std::span<const uint32_t> path)
{
    static constexpr char kMasterKey[] = "Bitcoin seed";
    const Hmac512 i =
        hmac_sha512(as_bytes(std::string_view{kMasterKey, sizeof(kMasterKey) - 1}), seed);
    ExtendedKey k;
    split(i, k.key, k.chain_code);
    if (!secp256k1_ec_seckey_verify(context(), k.key.bytes.data()))
        return std::nullopt;
    for (uint32_t index : path)
    {
        auto child = child_key(k, index);
        if (!child)
            return std::nullopt;
        k = *child;
    }
    return k.key;
}

Result<std::vector<DevAccount>, std::string> derive_dev_accounts(std::string_view mnemonic,
                                                                 size_t count,
                                                                 std::string_view prefix)
{
    if (mnemonic.empty())
        return std::string("mnemonic is empty");
    for (char c : mnemonic)
        if (static_cast<unsigned char>(c) >= 0x80)
            return std::string("mnemonic must be ASCII");
    std::string base(prefix);
    if (!base.empty() && base.back() == '/')
        base.pop_back();
    auto parsed = parse_derivation_path(base);
    if (!parsed)
        return "invalid derivation path: " + std::string(prefix);
    const Seed seed = mnemonic_to_seed(mnemonic);
    std::vector<DevAccount> out;
    out.reserve(count);
    std::vector<uint32_t> path = *parsed;
    path.push_back(0);
    for (size_t i = 0; i < count; ++i)
    {
        if (i >= kHardened)
            return std::string("too many accounts");
        path.back() = static_cast<uint32_t>(i);
        auto key = derive_secret_key(BytesView{seed.data(), seed.size()}, path);
        if (!key)
            return "invalid key at index " + std::to_string(i);
        auto addr = crypto::address_from_secret(*key);
        if (!addr)
            return "invalid key at index " + std::to_string(i);
        out.push_back(DevAccount{*addr, *key});
    }
    return out;
}

std::vector<DevAccount> default_dev_accounts()
{
    auto r = derive_dev_accounts(kDevMnemonic, kDevAccountCount);
    TERN_ASSERT(r.has_value());
    return std::move(r).value();
}

std::string to_checksum_address(const Address& addr)
{
    const std::string lower = to_hex(addr.view(), false);
    const Hash256 h = keccak256(as_bytes(lower));
    std::string out = "0x";
    out.reserve(42);
    for (size_t i = 0; i < lower.size(); ++i)
    {
        char c = lower[i];
        const uint8_t nib = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 0x0f);
        if (c >= 'a' && c <= 'f' && nib >= 8)
            c = static_cast<char>(c - 'a' + 'A');
        out.push_back(c);
    }
    return out;
}

}  // namespace tern::chain
