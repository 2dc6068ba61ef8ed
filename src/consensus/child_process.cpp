#include "consensus/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

namespace tern::consensus {
namespace {

/// Closes every descriptor above 2 (in the forked child: async-signal-safe calls only).
void close_inherited_descriptors() noexcept
{
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
        return;
#endif
    // Kernels before 5.9: the descriptors /proc/self/fd lists, read with getdents64 directly
    // (opendir allocates, which a forked child of a threaded process must not).
    const int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0)
    {
        alignas(dirent64) char buffer[4096];
        for (;;)
        {
            const long n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer);
            if (n <= 0)
                break;
            for (long at = 0; at < n;)
            {
                const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
                at += entry->d_reclen;
                int fd = 0;
                const char* c = entry->d_name;
                if (*c < '0' || *c > '9')
                    continue;  // "." and ".."
                for (; *c >= '0' && *c <= '9'; ++c)
                    fd = fd * 10 + (*c - '0');
                if (fd > 2 && fd != dir)
                    ::close(fd);
            }
        }
        ::close(dir);
        return;
    }
    // No /proc: every descriptor the limit allows (capped: a huge limit would take long).
    rlimit limit{};
    const rlim_t top =
        ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? std::min<rlim_t>(limit.rlim_cur, 1 << 16) : 1024;
    for (rlim_t fd = 3; fd < top; ++fd)
        ::close(static_cast<int>(fd));
}

}  // namespace

Result<pid_t, std::string> spawn_child(const ChildSpec& spec)
{
    if (spec.argv.empty())
        return std::string("spawn: no program");
    // Everything the child needs is prepared before fork (only async-signal-safe calls after).
    std::vector<std::string> args = spec.argv;
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const char* output = spec.output.empty() ? "/dev/null" : spec.output.c_str();
    const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
    const bool die_with_parent = spec.die_with_parent;
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0)
        return std::string("fork: ") + std::strerror(errno);
    if (pid != 0)
        return pid;

    // The child.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (die_with_parent)
    {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(1);  // the parent died before prctl took effect
    }
    const int out = ::open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out >= 0)
    {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0)
        ::dup2(null_fd, STDIN_FILENO);
    close_inherited_descriptors();  // also `out` and `null_fd`, now duplicated onto 0-2
    if (cwd && ::chdir(cwd) != 0)
        ::_exit(1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
}

void stop_child(pid_t pid, std::chrono::milliseconds grace)
{
    ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline)
    {
        if (::waitpid(pid, nullptr, WNOHANG) == pid)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

}  // namespace tern::consensus
