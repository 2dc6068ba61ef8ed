#pragma once

#include <CLI/CLI.hpp>

namespace tern::tools {

/// Adds `tern statetest PATHS...` (Ethereum GeneralStateTests, fork Cancun, against the
/// execution layer: the tern_statetest library) to the `tern` command. Its exit code is the
/// runner's (CLI::RuntimeError when not 0).
void register_statetest_command(CLI::App& app);

}  // namespace tern::tools
