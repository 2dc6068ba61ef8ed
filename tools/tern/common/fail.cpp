#include "tools/tern/common/fail.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace tern::tools {

void fail(const std::string& msg)
{
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    throw CLI::RuntimeError(1);
}

}  // namespace tern::tools
