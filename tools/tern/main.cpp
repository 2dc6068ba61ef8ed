// tern: the Tern node and tools. main() builds the command line and dispatches; each subcommand
// lives in its own file:
//   tern dev        single-node dev chain with JSON-RPC over HTTP and WebSocket  (dev_cmd.cpp)
//   tern chain      multi-validator chains on CometBFT (init, add-node, up, down, status)
//                                                                    (chain_cmd.cpp, chain_*.cpp)
//   tern node       one validator of a CometBFT chain (node.toml; spawns cometbft) (node_cmd.cpp)
//   tern model      ONNX models in the chain's model registry (upload, list)     (model_cmd.cpp)
//   tern fs         files in the chain's FileStorage (upload, download, ls, ...)     (fs_cmd.cpp)
//   tern statetest  Ethereum GeneralStateTests (fork Cancun)                 (statetest_cmd.cpp)
//   tern version    version
#include "chain_cmd.hpp"
#include "dev_cmd.hpp"
#include "fs_cmd.hpp"
#include "model_cmd.hpp"
#include "node_cmd.hpp"
#include "statetest_cmd.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>

#include <malloc.h>
#include <cstdio>

int main(int argc, char** argv)
{
    // Allocations of 1 MiB and more (large requests, answers, WebSocket messages, traces) get
    // their own mappings, returned to the OS when freed. glibc's default threshold rises after
    // each such free, after which large buffers come from the arenas and stay there: 10
    // WebSockets sending 8 MiB messages left the node 120 MB larger for good (docs/security.md).
    mallopt(M_MMAP_THRESHOLD, 1 << 20);

    CLI::App app{"Tern: an EVM application chain node"};
    app.require_subcommand(1);

    tern::tools::register_dev_command(app);
    tern::tools::register_statetest_command(app);
    tern::tools::register_chain_commands(app);
    tern::tools::register_node_command(app);
    tern::tools::register_model_commands(app);
    tern::tools::register_fs_commands(app);
    auto* version = app.add_subcommand("version", "Print the version");
    version->callback([] { std::printf("tern %s\n", tern::tools::kVersion); });

    CLI11_PARSE(app, argc, argv);
    return 0;
}
