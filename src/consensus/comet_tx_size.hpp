#pragma once

#include <cstddef>

namespace tern::consensus {

/// Bytes a transaction of `size` bytes takes in a CometBFT block's data (protobuf field tag,
/// length prefix and the bytes): what PrepareProposal's max_tx_bytes counts.
size_t comet_tx_overhead_size(size_t size) noexcept;

}  // namespace tern::consensus
