#pragma once

// Process control of the `tern` subcommands: running a helper binary, the pid files and process
// trees of background nodes (`tern chain up/down/status/init --force`).

#include "core/result.hpp"

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tern::tools {

/// The pid file a background node writes into its home (`tern chain up`).
inline constexpr const char* kPidFile = "tern.pid";

/// Runs argv[0] with the arguments, stdout and stderr captured together; (exit status, or 128 +
/// signal, and the output), or "pipe: ..."/"fork: ..." when it cannot start.
[[nodiscard]] Result<std::pair<int, std::string>, std::string> run_command(
    const std::vector<std::string>& argv);

/// True if `pid` exists and is not a zombie (a killed node whose parent has not reaped it counts
/// as gone).
[[nodiscard]] bool process_alive(pid_t pid);

/// Parent pid of `pid` from /proc (0 if unknown).
[[nodiscard]] pid_t parent_of(pid_t pid);

/// Every descendant of `root` (children, grandchildren, ...), e.g. the cometbft child.
[[nodiscard]] std::vector<pid_t> descendants(pid_t root);

/// The pid in HOME/tern.pid if that process is alive and is `tern node --home HOME` (a stale
/// file or a reused pid gives nullopt).
[[nodiscard]] std::optional<pid_t> running_node_pid(const std::filesystem::path& home);

/// Starts `self node --home HOME` in the background: its own session, stdin /dev/null, stdout
/// and stderr appended to `log`, its pid written to `pid_file` by the child. The child's pid, or
/// "fork: ...".
[[nodiscard]] Result<pid_t, std::string> spawn_node(const std::filesystem::path& self,
                                                    const std::string& home,
                                                    const std::string& log,
                                                    const std::string& pid_file);

/// Last `n` lines of a log file, each indented by four spaces (for error messages).
[[nodiscard]] std::string tail_lines(const std::filesystem::path& file, size_t n);

}  // namespace tern::tools
