#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::consensus {

/// First byte of a bundle: one CometBFT transaction carrying many Ethereum transactions. No
/// Ethereum transaction starts with it (typed ones start below 0x80, legacy ones with an RLP
/// list prefix >= 0xc0), so a CometBFT transaction is either one Ethereum transaction or a
/// bundle, told apart by its first byte.
inline constexpr uint8_t kBundleMarker = 0xbd;

/// True if `raw` is a bundle (starts with kBundleMarker), not a single Ethereum transaction.
bool is_bundle(std::string_view raw) noexcept;

/// A bundle of the raw Ethereum transactions `txs` (canonical encodings, in order):
/// kBundleMarker followed by the RLP list of the transactions as byte strings.
std::string encode_bundle(const std::vector<std::string_view>& txs);

/// The raw Ethereum transactions of a bundle, in order (views into `raw`). Error: the bundle
/// is malformed (not exactly marker + one canonical RLP list of byte strings) or empty.
Result<std::vector<std::string_view>, std::string> decode_bundle(std::string_view raw);

/// Splits a CometBFT transaction into Ethereum transactions: a bundle's inner transactions, or
/// `raw` itself for a single transaction.
Result<std::vector<std::string_view>, std::string> split_comet_tx(std::string_view raw);

}  // namespace tern::consensus
