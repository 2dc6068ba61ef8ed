#pragma once

#include <optional>
#include <string>

namespace tern::tools {

/// Path of the `cometbft` binary Tern drives: env TERN_COMETBFT if set (used as given), else
/// the first executable `cometbft` on PATH, else `$(go env GOPATH)/bin/cometbft` (where
/// scripts/setup's `go install` puts it), else `$HOME/go/bin/cometbft`. nullopt if none is
/// executable, so callers can say how to install it.
std::optional<std::string> find_cometbft();

}  // namespace tern::tools
