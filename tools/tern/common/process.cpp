#include "tools/tern/common/process.hpp"

#include "tools/tern/common/rpc_client.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace tern::tools {

namespace fs = std::filesystem;

Result<std::pair<int, std::string>, std::string> run_command(const std::vector<std::string>& argv)
{
    int fds[2];
    if (::pipe(fds) != 0)
        return std::string("pipe: ") + std::strerror(errno);
    const pid_t pid = ::fork();
    if (pid < 0)
        return std::string("fork: ") + std::strerror(errno);
    if (pid == 0)
    {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        ::close(fds[0]);
        ::close(fds[1]);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;)
    {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR)
    {}
    return std::pair<int, std::string>{
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

bool process_alive(pid_t pid)
{
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string stat;
    if (!in || !std::getline(in, stat))
        return false;
    const auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

pid_t parent_of(pid_t pid)
{
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string stat;
    if (!in || !std::getline(in, stat))
        return 0;
    const auto close = stat.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream rest{stat.substr(close + 2)};
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

std::vector<pid_t> descendants(pid_t root)
{
    std::map<pid_t, std::vector<pid_t>> children;
    for (const auto& entry : fs::directory_iterator("/proc"))
    {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const pid_t pid = static_cast<pid_t>(to_u64(name));
        children[parent_of(pid)].push_back(pid);
    }
    std::vector<pid_t> out;
    std::vector<pid_t> todo{root};
    while (!todo.empty())
    {
        const pid_t p = todo.back();
        todo.pop_back();
        for (const pid_t c : children[p])
        {
            out.push_back(c);
            todo.push_back(c);
        }
    }
    return out;
}

std::optional<pid_t> running_node_pid(const fs::path& home)
{
    std::ifstream in{home / kPidFile};
    long pid = 0;
    if (!in || !(in >> pid) || pid <= 0 || !process_alive(static_cast<pid_t>(pid)))
        return std::nullopt;
    const std::string proc = "/proc/" + std::to_string(pid);
    const std::string cmdline = [&] {
        std::ifstream c{proc + "/cmdline", std::ios::binary};
        std::ostringstream s;
        s << c.rdbuf();
        return s.str();
    }();
    std::vector<std::string> args;
    for (size_t at = 0; at < cmdline.size();)
    {
        const size_t end = cmdline.find('\0', at);
        args.push_back(cmdline.substr(at, end == std::string::npos ? end : end - at));
        at = end == std::string::npos ? cmdline.size() : end + 1;
    }
    std::error_code ec;
    const fs::path cwd = fs::read_symlink(proc + "/cwd", ec);
    for (size_t i = 0; i < args.size(); ++i)
    {
        std::string value;
        if (args[i] == "--home" && i + 1 < args.size())
            value = args[i + 1];
        else if (args[i].rfind("--home=", 0) == 0)
            value = args[i].substr(7);
        else
            continue;
        fs::path p{value};
        if (p.is_relative())
            p = cwd / p;
        if (fs::equivalent(p, home, ec))
            return static_cast<pid_t>(pid);
    }
    return std::nullopt;
}

Result<pid_t, std::string> spawn_node(const fs::path& self,
                                      const std::string& home,
                                      const std::string& log,
                                      const std::string& pid_file)
{
    std::fflush(stdout);
    const pid_t pid = ::fork();
    if (pid < 0)
        return std::string("fork: ") + std::strerror(errno);
    if (pid == 0)
    {
        // The node outlives this command: own session, output to its log, no terminal.
        ::setsid();
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int in = ::open("/dev/null", O_RDONLY);
        if (out < 0 || in < 0)
            ::_exit(126);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::close(in);
        ::close(out);
        if (FILE* f = std::fopen(pid_file.c_str(), "w"))
        {
            std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
            std::fclose(f);
        }
        ::execl(self.c_str(), "tern", "node", "--home", home.c_str(), static_cast<char*>(nullptr));
        std::fprintf(stderr, "exec %s: %s\n", self.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    return pid;
}

std::string tail_lines(const fs::path& file, size_t n)
{
    std::ifstream in{file};
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
    {
        lines.push_back(line);
        if (lines.size() > n)
            lines.erase(lines.begin());
    }
    std::string out;
    for (const auto& l : lines)
        out += "    " + l + "\n";
    return out;
}

}  // namespace tern::tools
