// `tern statetest`: the state-test runner of tools/statetest as a subcommand.
#include "statetest_cmd.hpp"

#include "statetest.hpp"

#include <memory>
#include <string>
#include <vector>

namespace tern::tools {

void register_statetest_command(CLI::App& app)
{
    struct Options
    {
        std::vector<std::string> inputs;
        std::string filter;
        std::string known_file;
    };
    auto o = std::make_shared<Options>();
    auto* st = app.add_subcommand("statetest", "Run Ethereum state tests (fork Cancun)");
    st->add_option("paths", o->inputs, "state test files or directories (recursive)")->required();
    st->add_option("--filter", o->filter, "only tests whose name or file contains this");
    st->add_option("--known-failures", o->known_file, "expected failures, one pattern per line");
    st->callback([o] {
        const int rc = tern::statetest::run_main(o->inputs, o->filter, o->known_file);
        if (rc != 0)
            throw CLI::RuntimeError(rc);
    });
}

}  // namespace tern::tools
