#pragma once

#include <CLI/CLI.hpp>

namespace tern::tools {

/// Adds `tern fs`: files in the chain's FileStorage (SKALE's interface at 0xD3002000...d3)
/// through a node's JSON-RPC with a key: `upload LOCAL [REMOTE]`, `download REMOTE [LOCAL]`,
/// `ls [REMOTE]`, `rm`, `mkdir`, `rmdir`, `quota [ADDRESS]`, and for the chain's admins
/// `reserve ADDRESS BYTES` and `grant-allocator ADDRESS`; each with --rpc, --key and --owner
/// (docs/filestorage.md "`tern fs`"). A failure prints "error: ..." and throws
/// CLI::RuntimeError(1).
void register_fs_commands(CLI::App& app);

}  // namespace tern::tools
