#include "rpc_api_flag.hpp"

#include <CLI/CLI.hpp>

namespace tern::tools {

void add_rpc_api_flag(CLI::App& cmd,
                      std::vector<std::string>& namespaces,
                      const std::string& default_text)
{
    cmd.add_option("--rpc-api", namespaces,
                   "JSON-RPC namespaces served, comma separated, e.g. eth,net,web3,debug (" +
                       default_text + "; rpc_modules lists what is served)")
        ->delimiter(',');
}

}  // namespace tern::tools
