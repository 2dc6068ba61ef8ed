#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/// Deterministic dev accounts: BIP-39 mnemonic -> seed, BIP-32 / BIP-44 key derivation, as
/// Foundry's anvil and Hardhat do, so their well-known accounts appear on `tern dev`.
namespace tern::chain {

/// The standard test mnemonic used by anvil and Hardhat.
inline constexpr std::string_view kDevMnemonic =
    "test test test test test test test test test test test junk";

/// BIP-44 path prefix of Ethereum accounts; account i is this followed by i.
inline constexpr std::string_view kDevDerivationPrefix = "m/44'/60'/0'/0/";

/// Number of dev accounts `tern dev` prefunds.
inline constexpr size_t kDevAccountCount = 10;

/// Balance of each dev account: 10000 ether (in wei), like anvil.
inline constexpr U256 kDevAccountBalance = U256{0x19e0c9bab2400000ULL, 0x21e, 0, 0};

/// A 64-byte BIP-39 seed.
using Seed = std::array<uint8_t, 64>;

/// BIP-39 seed: PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" + passphrase, 2048 iterations, 64
/// bytes). The mnemonic is used as given (words separated by single spaces); only ASCII is
/// supported (no NFKD normalisation is needed for it), and the word-list checksum is not
/// checked.
Seed mnemonic_to_seed(std::string_view mnemonic, std::string_view passphrase = "");

/// Bit marking a hardened BIP-32 index (written i' in paths).
inline constexpr uint32_t kHardened = 0x80000000u;

/// Parses a BIP-32 path such as "m/44'/60'/0'/0/3" into indices (hardened ones carry
/// kHardened); nullopt if malformed or an index is >= 2^31.
std::optional<std::vector<uint32_t>> parse_derivation_path(std::string_view path);

/// BIP-32 derivation of the secret key at `path` from the master key of `seed` (a BIP-39
/// Seed in practice; HMAC-SHA512 keyed "Bitcoin seed", secp256k1 scalar addition). nullopt in
/// the (about 2^-127 likely) case of an invalid intermediate key.
std::optional<Hash256> derive_secret_key(BytesView seed, std::span<const uint32_t> path);

/// A dev account: address and secret key.
struct DevAccount
{
    Address address;
    Hash256 secret_key;
};

/// The first `count` accounts of `mnemonic` under `prefix` + i. Errors (a message) for a
/// malformed prefix or mnemonic (empty or non-ASCII).
Result<std::vector<DevAccount>, std::string> derive_dev_accounts(
    std::string_view mnemonic,
    size_t count,
    std::string_view prefix = kDevDerivationPrefix);

/// The kDevAccountCount accounts of kDevMnemonic (account 0 is
/// 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266).
std::vector<DevAccount> default_dev_accounts();

/// EIP-55 mixed-case checksum form of an address, with "0x".
std::string to_checksum_address(const Address& addr);

}  // namespace tern::chain
