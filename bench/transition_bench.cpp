// tern-bench-transition: Google Benchmark of block execution's state transition
// (execution::apply_transaction) over the journaled state: blocks of plain transfers and of
// contract calls that write storage and log, each from its own sender. One iteration = one
// block of kTxs transactions on a fresh State over the same pre-state (discarded afterwards).

#include "core/hex.hpp"
#include "evm/vm.hpp"
#include "execution/block_env.hpp"
#include "execution/transition.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

namespace {

using namespace tern;

constexpr size_t kTxs = 200;
const Address kCoinbase = address_from_u64(0xc0b);
const Address kContract = address_from_u64(0xc0de);
const Address kSink = address_from_u64(0x5111c);

Address sender(size_t i)
{
    return address_from_u64(0x10000 + i);
}

execution::BlockEnv block_env()
{
    execution::BlockEnv b;
    b.coinbase = kCoinbase;
    b.number = 1;
    b.timestamp = 1000;
    b.gas_limit = 1'000'000'000;
    b.base_fee = U256{7};
    return b;
}

state::MemoryBackend pre_state()
{
    state::MemoryBackend b;
    for (size_t i = 0; i < kTxs; ++i)
        b.put_account(sender(i), 0, U256{1'000'000'000'000'000'000ULL}, {});
    // sstore(0, sload(0) + 1); mstore(0, that); log0(0, 32); stop
    b.put_account(kContract, 1, U256{}, *from_hex("0x60015f5401805f555f5260205fa000"));
    return b;
}

Transaction tx_to(const Address& to, uint64_t gas, const U256& value)
{
    Transaction tx;
    tx.type = TxType::DynamicFee;
    tx.chain_id = 1;
    tx.to = to;
    tx.gas_limit = gas;
    tx.value = value;
    tx.max_fee_per_gas = U256{10};
    tx.max_priority_fee_per_gas = U256{2};
    return tx;
}

void run_block(benchmark::State& bs, const Transaction& tx)
{
    const auto pre = pre_state();
    const auto env = block_env();
    evm::Vm vm;
    uint64_t gas = 0;
    for (auto _ : bs)
    {
        state::State st{pre};
        uint64_t used = 0;
        for (size_t i = 0; i < kTxs; ++i)
        {
            auto r = execution::apply_transaction(st, env, tx, sender(i), vm, used);
            if (!r || !r->success)
            {
                bs.SkipWithError("transaction failed");
                return;
            }
            used = r->cumulative_gas_used;
        }
        gas = used;
        benchmark::DoNotOptimize(st);
    }
    bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * kTxs));
    bs.counters["gas_per_block"] = static_cast<double>(gas);
}

void BM_Transfers(benchmark::State& bs)
{
    run_block(bs, tx_to(kSink, 21000, U256{1}));
}

void BM_ContractCalls(benchmark::State& bs)
{
    run_block(bs, tx_to(kContract, 100'000, U256{}));
}

BENCHMARK(BM_Transfers)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ContractCalls)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
