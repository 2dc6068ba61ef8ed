#pragma once

#include <CLI/CLI.hpp>

namespace tern::tools {

/// Adds `tern chain init|add-node|up|down|status` (multi-validator CometBFT chains on one
/// machine or several) to the `tern` command. The subcommands run from CLI11 callbacks; a failure
/// throws CLI::RuntimeError(1) after printing its message, so CLI11_PARSE returns 1.
void register_chain_commands(CLI::App& app);

}  // namespace tern::tools
