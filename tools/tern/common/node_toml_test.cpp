#include "tools/tern/common/node_toml.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tern::tools {
namespace {

namespace fs = std::filesystem;

class NodeTomlTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        dir_ = fs::temp_directory_path() /
               ("tern_node_toml_test_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path file() const { return dir_ / "node.toml"; }

    /// read() of a file with `text`.
    Result<NodeToml, std::string> read_text(const std::string& text) const
    {
        std::ofstream(file(), std::ios::trunc) << text;
        return NodeToml::read(file());
    }

    /// The error of read() of `text` (empty if it reads).
    std::string error_of(const std::string& text) const
    {
        const auto r = read_text(text);
        return r ? std::string() : r.error();
    }

    fs::path dir_;
};

TEST_F(NodeTomlTest, DefaultsRoundTrip)
{
    const NodeToml n;
    ASSERT_TRUE(n.write(file()));
    const auto back = NodeToml::read(file());
    ASSERT_TRUE(back) << back.error();
    EXPECT_TRUE(*back == n);
}

TEST_F(NodeTomlTest, EmptyFileGivesTheDefaults)
{
    const auto n = read_text("");
    ASSERT_TRUE(n) << n.error();
    EXPECT_TRUE(*n == NodeToml{});
    EXPECT_EQ(n->rpc_port, 8545);
    EXPECT_EQ(n->data_dir, "data");
    EXPECT_EQ(n->abci_address, "unix://abci.sock");
    EXPECT_FALSE(n->snapshot_interval);
    EXPECT_EQ(n->rpc.rpc_vhosts, std::vector<std::string>{"localhost"});
    EXPECT_TRUE(n->rpc.rpc_cors.empty());
    // Validators limit each client address's request rate by default.
    EXPECT_EQ(n->rpc.rpc_requests_per_second_per_ip, 500u);
    EXPECT_EQ(n->rpc.rpc_request_burst_per_ip, 1000u);
}

TEST_F(NodeTomlTest, EveryKeyRoundTrips)
{
    NodeToml n;
    n.genesis = "../genesis.json";
    n.data_dir = "/var/lib/tern";
    n.rpc_host = "0.0.0.0";
    n.rpc_port = 9545;
    n.abci_address = "tcp://127.0.0.1:26658";
    n.cometbft_home = "comet \"home\"";
    n.cometbft_rpc = "http://10.0.0.1:26657";
    n.spawn_cometbft = false;
    n.cometbft_binary = "/usr/local/bin/cometbft";
    n.history = 5;
    n.archive = true;
    n.unlock_dev_accounts = 3;
    n.rpc_api = {"eth", "net", "web3", "debug"};
    n.rpc_threads = 4;
    n.retain_blocks = 100;
    n.nonce_window = 16;
    n.bundle_max_txs = 1;
    n.bundle_max_bytes = 1024;
    n.bundle_wait_us = 0;
    n.max_queued_txs = 7;
    n.snapshot_interval = 0;
    n.snapshot_keep_recent = 9;
    n.snapshot_dir = "snaps";
    n.sync_writes = true;
    n.accept_lost_blocks = true;
    n.rpc.rpc_max_connections = 11;
    n.rpc.rpc_heavy_nice = 0;
    n.rpc.rpc_ws_idle_close_seconds = 0;
    n.rpc.rpc_max_log_range = 12;
    n.rpc.rpc_max_subscriptions = 13;
    n.rpc.rpc_trace_total_bytes = 0;
    n.rpc.rpc_requests_per_second_per_ip = 0;
    n.rpc.rpc_request_burst_per_ip = 14;
    n.rpc.rpc_cors = {"*"};
    n.rpc.rpc_vhosts = {};
    n.rpc.rpc_ws_origins = {"http://a.example", "http://b.example"};
    n.rpc.rpc_evm_timeout = std::chrono::milliseconds(1500);
    n.rpc.rpc_trace_max_bytes = 1 << 20;
    ASSERT_TRUE(n.write(file(), "# a header\n"));
    const auto back = NodeToml::read(file());
    ASSERT_TRUE(back) << back.error();
    EXPECT_TRUE(*back == n) << n.to_text() << "\n---\n" << back->to_text();
    EXPECT_EQ(back->to_text(), n.to_text());
    NodeToml other = n;
    other.rpc.rpc_max_filters = 1;
    EXPECT_FALSE(other == n);
}

// The text `tern chain init` wrote before NodeToml existed, byte for byte.
TEST_F(NodeTomlTest, WritesWhatChainInitWrote)
{
    NodeToml n;
    n.rpc_host = "127.0.0.1";
    n.rpc_port = 8546;
    n.abci_address = "unix://abci.sock";
    n.cometbft_rpc = "http://127.0.0.1:26667";
    n.unlock_dev_accounts = 2;
    n.snapshot_interval = 10;
    n.snapshot_keep_recent = 3;
    const std::string header =
        "# Tern validator node1 of chain 7777 (written by `tern chain init`); read by `tern node "
        "--home /tmp/c/node1`.\n";
    EXPECT_EQ(n.to_text(header),
              header +
                  "# Relative paths are resolved against this file's folder.\n"
                  "# The EVM genesis is the app_state of cometbft/config/genesis.json (a\n"
                  "# `genesis = FILE` here must describe the same chain).\n"
                  "data_dir = \"data\"\n"
                  "rpc_host = \"127.0.0.1\"\n"
                  "rpc_port = 8546\n"
                  "abci_address = \"unix://abci.sock\"\n"
                  "cometbft_home = \"cometbft\"\n"
                  "cometbft_rpc = \"http://127.0.0.1:26667\"\n"
                  "spawn_cometbft = true\n"
                  "# JSON-RPC namespaces served (geth's --http.api); add \"debug\" for "
                  "debug_trace*.\n"
                  "rpc_api = [\"eth\", \"net\", \"web3\"]\n"
                  "# Signs for the first N accounts of the PUBLIC test mnemonic (any client can "
                  "use them).\n"
                  "unlock_dev_accounts = 2\n"
                  "snapshot_interval = 10\n"
                  "snapshot_keep_recent = 3\n");
    n.genesis = "../genesis.json";
    n.unlock_dev_accounts = 0;
    n.snapshot_interval.reset();
    n.snapshot_keep_recent.reset();
    EXPECT_EQ(n.to_text(),
              "# Relative paths are resolved against this file's folder.\n"
              "genesis = \"../genesis.json\"\n"
              "data_dir = \"data\"\n"
              "rpc_host = \"127.0.0.1\"\n"
              "rpc_port = 8546\n"
              "abci_address = \"unix://abci.sock\"\n"
              "cometbft_home = \"cometbft\"\n"
              "cometbft_rpc = \"http://127.0.0.1:26667\"\n"
              "spawn_cometbft = true\n"
              "# JSON-RPC namespaces served (geth's --http.api); add \"debug\" for "
              "debug_trace*.\n"
              "rpc_api = [\"eth\", \"net\", \"web3\"]\n");
}

TEST_F(NodeTomlTest, CommaSeparatedListsAndDurations)
{
    const auto n = read_text(
        "rpc_api = \"eth, net ,debug\"\n"
        "rpc_cors = \"http://a,,http://b\"\n"
        "rpc_vhosts = [\"x\", \"\", \"y\"]\n"
        "rpc_evm_timeout = 2\n");
    ASSERT_TRUE(n) << n.error();
    EXPECT_EQ(n->rpc_api, (std::vector<std::string>{"eth", "net", "debug"}));
    EXPECT_EQ(n->rpc.rpc_cors, (std::vector<std::string>{"http://a", "http://b"}));
    EXPECT_EQ(n->rpc.rpc_vhosts, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(n->rpc.rpc_evm_timeout, std::chrono::seconds(2));
    const auto m = read_text("rpc_evm_timeout = \"250ms\"\n");
    ASSERT_TRUE(m) << m.error();
    EXPECT_EQ(m->rpc.rpc_evm_timeout, std::chrono::milliseconds(250));
}

TEST_F(NodeTomlTest, ResolvedMakesPathsAbsolute)
{
    NodeToml n;
    n.genesis = "../genesis.json";
    n.abci_address = "unix://abci.sock";
    n.snapshot_dir = "/abs/snaps";
    const NodeToml r = n.resolved("/h/node0");
    EXPECT_EQ(r.genesis, "/h/genesis.json");
    EXPECT_EQ(r.data_dir, "/h/node0/data");
    EXPECT_EQ(r.abci_address, "unix:///h/node0/abci.sock");
    EXPECT_EQ(r.cometbft_home, "/h/node0/cometbft");
    EXPECT_EQ(r.snapshot_dir, "/abs/snaps");
    NodeToml tcp;
    tcp.abci_address = "tcp://127.0.0.1:26658";
    EXPECT_EQ(tcp.resolved("/h").abci_address, "tcp://127.0.0.1:26658");
    EXPECT_EQ(NodeToml{}.resolved("/h").genesis, "");  // empty: app_state, stays empty
}

// The messages `tern node` prints after "error: " (node_cmd.cpp's, unchanged).
TEST_F(NodeTomlTest, BadKeysAndValues)
{
    const std::string f = file().string();
    EXPECT_EQ(error_of("rpc_port = 70000\n"), f + ": rpc_port out of range");
    EXPECT_EQ(error_of("rpc_port = -1\n"), f + ": rpc_port out of range");
    EXPECT_EQ(error_of("dev_accounts = 2\n"),
              f + ": dev_accounts is now unlock_dev_accounts (default 0: a validator signs "
                  "nothing; see docs/security.md)");
    EXPECT_EQ(error_of("unlock_dev_accounts = 1001\n"),
              f + ": unlock_dev_accounts must be 0..1000");
    EXPECT_EQ(error_of("unlock_dev_accounts = -1\n"), f + ": unlock_dev_accounts must be 0..1000");
    EXPECT_EQ(error_of("rpc_api = [\"eth\", 1]\n"),
              f + ": rpc_api must list namespace names (strings)");
    EXPECT_EQ(error_of("rpc_api = 5\n"),
              f + ": rpc_api must be an array of namespaces, e.g. [\"eth\", \"net\", \"web3\"]");
    EXPECT_EQ(error_of("rpc_api = [\"eth\", \"Debug\"]\n"),
              f + ": rpc_api: 'Debug' is not a namespace name (eth, net, web3, debug, ...)");
    EXPECT_EQ(error_of("rpc_api = \"eth,,net\"\n"),
              f + ": rpc_api: '' is not a namespace name (eth, net, web3, debug, ...)");
    EXPECT_EQ(error_of("rpc_api = []\n"), f + ": rpc_api lists no namespace");
    EXPECT_EQ(error_of("bundle_wait_us = 1000001\n"), f + ": bundle_wait_us must be 0..1000000");
    EXPECT_EQ(error_of("max_queued_txs = 0\n"), f + ": max_queued_txs must be at least 1");
    EXPECT_EQ(error_of("snapshot_interval = -1\n"),
              f + ": snapshot_interval and snapshot_keep_recent must be >= 0");
    EXPECT_EQ(error_of("snapshot_keep_recent = -2\n"),
              f + ": snapshot_interval and snapshot_keep_recent must be >= 0");
    EXPECT_EQ(error_of("rpc_max_connections = -1\n"), f + ": rpc_max_connections must be >= 0");
    EXPECT_EQ(error_of("rpc_max_log_range = -5\n"), f + ": rpc_max_log_range must be >= 0");
    EXPECT_EQ(error_of("rpc_evm_timeout = [1]\n"),
              f + ": rpc_evm_timeout must be a duration (\"5s\") or seconds");
    EXPECT_EQ(error_of("rpc_evm_timeout = -3\n"),
              f + ": rpc_evm_timeout must be a duration (\"5s\") or seconds");
    EXPECT_EQ(error_of("rpc_evm_timeout = \"5d\"\n").rfind(f + ": rpc_evm_timeout: ", 0), 0u);
    EXPECT_EQ(error_of("rpc_trace_max_bytes = -1\n"), f + ": rpc_trace_max_bytes must be >= 0");
    // A TOML syntax error: the file name, then toml++'s description.
    const std::string syntax = error_of("rpc_port = = 1\n");
    EXPECT_EQ(syntax.rfind(f + ": ", 0), 0u) << syntax;
    EXPECT_GT(syntax.size(), f.size() + 2);
    const auto missing = NodeToml::read(dir_ / "absent.toml");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().rfind((dir_ / "absent.toml").string() + ": ", 0), 0u);
}

TEST(TomlString, Escapes)
{
    EXPECT_EQ(toml_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(toml_string(""), "\"\"");
}

}  // namespace
}  // namespace tern::tools
