// tern-statetest: runs Ethereum GeneralStateTests (fork Cancun) against the execution layer.
#include "statetest.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

int main(int argc, char** argv)
{
    CLI::App app{"Runs Ethereum state tests (fork Cancun)"};
    std::vector<std::string> inputs;
    std::string filter;
    std::string known_file;
    app.add_option("paths", inputs, "state test files or directories (recursive)")->required();
    app.add_option("--filter", filter, "only tests whose name or file contains this");
    app.add_option("--known-failures", known_file, "expected failures, one pattern per line");
    CLI11_PARSE(app, argc, argv);
    return tern::statetest::run_main(inputs, filter, known_file);
}
