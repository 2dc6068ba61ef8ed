#pragma once

#include "core/result.hpp"

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace tern::consensus {

/// What spawn_child() starts (e.g. `cometbft start --home H` for `tern node`).
struct ChildSpec
{
    /// Program and arguments; argv[0] is the program's path (execv: no PATH search).
    std::vector<std::string> argv;
    /// File the child's stdout and stderr are appended to (created 0644); empty: /dev/null.
    std::string output;
    /// Working directory of the child; empty: this process's.
    std::string cwd;
    /// The child gets SIGKILL when this thread's process dies (PR_SET_PDEATHSIG), also on
    /// kill -9. Linux ties it to the thread that spawns: call from a thread that lives as
    /// long as the child should (tern node: the main thread).
    bool die_with_parent = true;
};

/// Forks and execs `spec`. The child inherits no descriptor of this process but stdin
/// (/dev/null), stdout and stderr (`spec.output`): the listening sockets, connections and
/// database files of the node stay out of it even when they lack close-on-exec (every
/// descriptor above 2 is closed before exec: close_range, else those /proc/self/fd lists).
/// Its signal mask is cleared (the node blocks SIGTERM/SIGINT/SIGCHLD in every thread).
/// Returns the child's pid (exec failures make the child exit with status 127), or why fork
/// failed.
Result<pid_t, std::string> spawn_child(const ChildSpec& spec);

/// Stops child `pid`: SIGTERM, then SIGKILL once `grace` has passed; reaps it.
void stop_child(pid_t pid, std::chrono::milliseconds grace);

}  // namespace tern::consensus
