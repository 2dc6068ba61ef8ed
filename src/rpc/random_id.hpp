#pragma once

#include <random>
#include <string>

namespace tern::rpc {

/// An id as geth gives subscriptions and filters: 16 random bytes from `rng` in hex, leading
/// zeros trimmed, "0x" prefix. The caller serializes access to `rng`.
std::string random_id(std::mt19937_64& rng);

}  // namespace tern::rpc
