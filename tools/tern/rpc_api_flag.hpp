#pragma once

// The --rpc-api flag of `tern dev` and `tern node` (geth's --http.api): one definition, so both
// select JSON-RPC namespaces the same way (node::NodeConfig::rpc_api, api::select_namespaces).

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tern::tools {

/// Adds --rpc-api to `cmd`: comma-separated namespaces ("eth,net,web3,debug") stored in
/// `namespaces`; `default_text` says what serving without the flag means for that command.
void add_rpc_api_flag(CLI::App& cmd,
                      std::vector<std::string>& namespaces,
                      const std::string& default_text);

}  // namespace tern::tools
