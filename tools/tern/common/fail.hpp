#pragma once

// How `tern` subcommands end with an error.

#include <string>

namespace tern::tools {

/// Prints `error: msg` on stderr and ends the subcommand with exit status 1 (throws
/// CLI::RuntimeError(1), which CLI11_PARSE turns into the exit status).
[[noreturn]] void fail(const std::string& msg);

}  // namespace tern::tools
