#pragma once

#include "chain/chain_config.hpp"

namespace tern::chain {

/// Sets config.precompiles from the ML settings (a new registry/inference instance with its
/// own model cache, or null when ml_inference is off). Call once the rules are final.
void attach_precompiles(ChainConfig& config);

}  // namespace tern::chain
