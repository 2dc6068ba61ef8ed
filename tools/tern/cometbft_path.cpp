#include "cometbft_path.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace tern::tools {

namespace {

bool executable(const std::string& path)
{
    return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

/// `go env GOPATH`, or "" if go is not installed.
std::string go_path()
{
    FILE* p = ::popen("go env GOPATH 2>/dev/null", "r");
    if (p == nullptr)
        return {};
    std::string out;
    std::array<char, 512> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr)
        out += buf.data();
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
        out.pop_back();
    // GOPATH may list several directories; the first holds `go install`'s bin.
    return out.substr(0, out.find(':'));
}

}  // namespace

std::optional<std::string> find_cometbft()
{
    if (const char* env = std::getenv("TERN_COMETBFT"); env != nullptr && *env != '\0')
        return executable(env) ? std::optional<std::string>(env) : std::nullopt;
    if (const char* path = std::getenv("PATH"); path != nullptr)
    {
        std::istringstream dirs{path};
        std::string dir;
        while (std::getline(dirs, dir, ':'))
            if (!dir.empty() && executable(dir + "/cometbft"))
                return dir + "/cometbft";
    }
    if (const std::string gopath = go_path();
        !gopath.empty() && executable(gopath + "/bin/cometbft"))
        return gopath + "/bin/cometbft";
    if (const char* home = std::getenv("HOME"); home != nullptr)
        if (const std::string p = std::string(home) + "/go/bin/cometbft"; executable(p))
            return p;
    return std::nullopt;
}

}  // namespace tern::tools
