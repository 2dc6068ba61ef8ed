// Loaders, and every workload run once through Tern's interpreter: return data and receipt gas
// must equal what anvil (revm) produced for the same call (bench/expected.json, written by
// bench/evm-vs-anvil --update-expected).
#include "bench/workloads.hpp"
#include "bench/runner.hpp"
#include "core/hex.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace tern::bench {
namespace {

const std::filesystem::path kContractsDir = TERN_BENCH_CONTRACTS_DIR;
const std::filesystem::path kEvmBenchmarksDir = TERN_EVM_BENCHMARKS_DIR;

std::vector<Workload> contract_workloads()
{
    auto w = load_contract_workloads(kContractsDir);
    EXPECT_TRUE(w.has_value()) << (w ? "" : w.error());
    return w ? std::move(*w) : std::vector<Workload>{};
}

nlohmann::json expected()
{
    std::ifstream in(kContractsDir.parent_path() / "expected.json");
    return nlohmann::json::parse(in, nullptr, false);
}

TEST(Workloads, IntrinsicGas)
{
    EXPECT_EQ(intrinsic_gas({}), 21000);
    const Bytes data{0, 1, 0, 0xff};
    EXPECT_EQ(intrinsic_gas(data), 21000 + 4 + 16 + 4 + 16);
}

TEST(Workloads, LoadsContractWorkloads)
{
    const auto list = contract_workloads();
    std::set<std::string> names;
    for (const auto& w : list)
        names.insert(w.name);
    for (const char* n : {"contract/keccak_loop", "contract/memory_sort", "contract/arithmetic",
                          "contract/recursive_calls", "contract/storage_loop"})
        EXPECT_TRUE(names.count(n)) << n;
    for (const auto& w : list)
    {
        ASSERT_EQ(w.accounts.size(), 2u);
        EXPECT_EQ(w.to, contract_address());
        EXPECT_FALSE(w.accounts[1].code.empty());
        EXPECT_EQ(w.calldata.size() % 32, 4u) << w.name;  // selector + whole words
        EXPECT_EQ(w.gas_limit, kWorkloadGasLimit);
    }
}

TEST(Workloads, RejectsMissingFolder)
{
    EXPECT_FALSE(load_contract_workloads("/nonexistent-folder").has_value());
    EXPECT_FALSE(load_state_test_workloads("/nonexistent-folder").has_value());
}

TEST(Workloads, LoadsStateTestBenchmarks)
{
    if (!std::filesystem::is_directory(kEvmBenchmarksDir))
        GTEST_SKIP() << "no evm-benchmarks at " << kEvmBenchmarksDir;
    auto list = load_state_test_workloads(kEvmBenchmarksDir);
    ASSERT_TRUE(list.has_value()) << list.error();
    std::set<std::string> names;
    for (const auto& w : *list)
        names.insert(w.name);
    EXPECT_TRUE(names.count("evmbench/snailtracer/benchmark"));
    EXPECT_TRUE(names.count("evmbench/sha1_divs/empty"));
    EXPECT_TRUE(names.count("evmbench/sha1_divs/5311"));
    const auto& w = list->front();
    EXPECT_EQ(w.gas_limit, 1'000'000'000);
    EXPECT_EQ(w.block.number, 1);
    EXPECT_EQ(w.block.base_fee, U256(1));
    EXPECT_EQ(w.gas_price, U256(1));
}

/// Runs `w` through Tern on `host` and compares with anvil's result.
void check_against_anvil(const Workload& w, const nlohmann::json& exp, HostKind host)
{
    ASSERT_TRUE(exp.contains(w.name)) << "no expected result for " << w.name;
    WorkloadRunner runner(w, host);
    EXPECT_EQ(runner.host_kind(), host);
    const RunOutcome r = runner.run();
    EXPECT_EQ(r.status, evm::Status::Success) << w.name;
    EXPECT_EQ(to_hex(r.output), exp[w.name]["output"].get<std::string>()) << w.name;
    EXPECT_EQ(r.receipt_gas(runner.intrinsic()), exp[w.name]["receipt_gas"].get<int64_t>())
        << w.name;
    EXPECT_EQ(r.logs, 0u) << w.name;
    // A second run after reset() gives the same result (the benchmark loop relies on it).
    runner.reset();
    const RunOutcome again = runner.run();
    EXPECT_EQ(again.output, r.output) << w.name;
    EXPECT_EQ(again.gas_used, r.gas_used) << w.name;
}

/// The hosts to check: the in-memory bench host, and the execution layer's when built.
std::vector<HostKind> hosts()
{
    std::vector<HostKind> h{HostKind::Bench};
    if (exec_host_available())
        h.push_back(HostKind::Exec);
    return h;
}

/// Runs `w` through Tern on every host and compares with anvil's result.
void check_against_anvil(const Workload& w, const nlohmann::json& exp)
{
    for (HostKind host : hosts())
    {
        SCOPED_TRACE(host_kind_name(host));
        check_against_anvil(w, exp, host);
    }
}

TEST(Workloads, ContractWorkloadsMatchAnvil)
{
    const auto exp = expected();
    ASSERT_TRUE(exp.is_object());
    for (const auto& w : contract_workloads())
        check_against_anvil(w, exp["workloads"]);
}

TEST(Workloads, StateTestBenchmarksMatchAnvil)
{
    if (!std::filesystem::is_directory(kEvmBenchmarksDir))
        GTEST_SKIP() << "no evm-benchmarks at " << kEvmBenchmarksDir;
    const auto exp = expected();
    ASSERT_TRUE(exp.is_object());
    auto list = load_state_test_workloads(kEvmBenchmarksDir);
    ASSERT_TRUE(list.has_value());
    for (const auto& w : *list)
        check_against_anvil(w, exp["workloads"]);
}

}  // namespace
}  // namespace tern::bench
