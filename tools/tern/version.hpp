#pragma once

namespace tern::tools {

/// The version `tern version` prints and `tern dev`'s banner shows.
inline constexpr const char* kVersion = "0.1.0";

}  // namespace tern::tools
