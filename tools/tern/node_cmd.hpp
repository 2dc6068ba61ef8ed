#pragma once

#include <CLI/CLI.hpp>

namespace tern::tools {

/// Adds `tern node --home H` (one validator of a CometBFT chain: Tern's database, JSON-RPC and
/// ABCI server, and a `cometbft start` child process) to the `tern` command. The subcommand
/// runs from a CLI11 callback; a failure throws CLI::RuntimeError(1) after printing its message.
void register_node_command(CLI::App& app);

}  // namespace tern::tools
