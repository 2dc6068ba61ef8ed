#pragma once

#include <CLI/CLI.hpp>

namespace tern::tools {

/// Adds `tern dev` (a single-node dev chain: automine or --block-time, JSON-RPC over HTTP and
/// WebSocket, dev accounts) to the `tern` command. It runs from a CLI11 callback until SIGINT or
/// SIGTERM; a failure throws CLI::RuntimeError(1) after printing its message.
void register_dev_command(CLI::App& app);

}  // namespace tern::tools
