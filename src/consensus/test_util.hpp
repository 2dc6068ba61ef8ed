#pragma once

#include "chain/dev_accounts.hpp"
#include "consensus/comet_app.hpp"
#include "consensus/comet_engine.hpp"
#include "core/hex.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>

/// Helpers of the consensus tests: a temporary directory, a genesis file, signed transactions
/// and a node running the CometBFT engine that the tests drive through its ABCI application.
namespace tern::consensus::test {

/// The chain id of write_genesis().
inline constexpr uint64_t kChainId = 7777;

/// A fresh temporary directory, removed at the end of the test.
struct TempDir
{
    std::filesystem::path path;
    TempDir()
    {
        static std::atomic<int> counter{0};
        path = std::filesystem::temp_directory_path() /
               ("tern-consensus-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

/// A geth-format genesis funding the first four dev accounts (1000 ether each); its path.
inline std::string write_genesis(const std::filesystem::path& dir)
{
    const auto accounts = chain::default_dev_accounts();
    nlohmann::json alloc = nlohmann::json::object();
    for (size_t i = 0; i < 4; ++i)
        alloc[to_hex(accounts[i].address.view())] = {{"balance", "1000000000000000000000"}};
    const nlohmann::json g{{"config", {{"chainId", kChainId}}},
                           {"timestamp", "0x0"},
                           {"gasLimit", "0x1c9c380"},
                           {"alloc", alloc}};
    const auto file = dir / "genesis.json";
    std::ofstream(file) << g.dump(2);
    return file.string();
}

/// An EIP-1559 transaction from dev account `from` (to: `to`, or a creation when nullopt),
/// signed: its raw canonical bytes as CometBFT carries them.
inline std::string signed_raw(size_t from,
                              uint64_t nonce,
                              std::optional<Address> to,
                              Bytes data = {},
                              uint64_t gas = 21000,
                              uint64_t value = 0,
                              uint64_t chain_id = kChainId)
{
    const auto accounts = chain::default_dev_accounts();
    Transaction t;
    t.type = TxType::DynamicFee;
    t.chain_id = chain_id;
    t.nonce = nonce;
    t.gas_limit = gas;
    t.to = to;
    t.value = U256{value};
    t.data = std::move(data);
    const auto bytes = from_hex(node::test::sign_raw(t, accounts[from].secret_key));
    return {reinterpret_cast<const char*>(bytes->data()), bytes->size()};
}

/// A node with the CometBFT engine (ABCI server on a free port; no CometBFT process: the tests
/// call the application directly), or with the dev engine when `comet_engine` is false.
struct CometNode
{
    std::unique_ptr<node::Node> node;
    CometEngine* comet = nullptr;

    CometNode(const std::string& genesis,
              const std::string& data_dir,
              CometAppConfig app = {},
              const std::function<void(CometEngineConfig&)>& tweak = {},
              bool comet_engine = true)
    {
        node::NodeConfig c;
        c.port = 0;
        c.rpc_threads = 2;
        c.genesis_file = genesis;
        c.data_dir = data_dir;
        c.block_time = 3600;  // the dev engine seals only when told (mine)
        node = std::make_unique<node::Node>(c);
        if (comet_engine)
        {
            CometEngineConfig ec;
            ec.app = std::move(app);
            ec.abci_address = "tcp://127.0.0.1:0";
            ec.cometbft_rpc = "http://127.0.0.1:1";  // nothing there
            if (tweak)
                tweak(ec);
            node->set_engine_factory([this, ec](node::Node& n) {
                auto e = std::make_unique<CometEngine>(ec, n);
                comet = e.get();
                return e;
            });
        }
        const auto r = node->start();
        EXPECT_TRUE(r) << (r ? "" : r.error());
    }
    ~CometNode() { node->stop(); }
    CometNode(const CometNode&) = delete;
    CometNode& operator=(const CometNode&) = delete;

    CometApp& app() { return comet->app(); }
};

/// FinalizeBlock (block time `seconds`) then Commit of `height` with `txs`; Finalize's answer.
inline pb::ResponseFinalizeBlock finalize_and_commit(CometApp& app,
                                                     int64_t height,
                                                     const std::vector<std::string>& txs,
                                                     int64_t seconds)
{
    pb::RequestFinalizeBlock fin;
    fin.set_height(height);
    fin.mutable_time()->set_seconds(seconds);
    for (const auto& t : txs)
        fin.add_txs(t);
    auto res = app.finalize_block(fin);
    (void)app.commit({});
    return res;
}

}  // namespace tern::consensus::test
