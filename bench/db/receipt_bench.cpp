// eth_getTransactionReceipt's read of one receipt from a block's stored receipts: the full decode
// it used to do (every receipt, logs included) against ChainDb::receipt_at's skim (item headers
// of the receipts before it), for the last receipt of a 1,500-receipt block.
//
//   build/release/bench/db/tern-bench-receipts [--benchmark_filter=...]
//
// Argument: logs per receipt (0: plain transfers; 1: ERC-20 transfers, one Transfer log with
// 3 topics and 32 bytes of data). Codec/* work on the stored bytes; ChainDb/* read them from an
// in-memory ChainDb (RocksDB lookup included). docs/performance.md records a run.

#include "chain/block.hpp"
#include "core/keccak.hpp"
#include "db/chain_db.hpp"
#include "db/codec.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

using namespace tern;

namespace {

constexpr size_t kReceipts = 1500;
constexpr size_t kLast = kReceipts - 1;

/// A 1,500-receipt block of the benchmark chain's shape: types cycling legacy/2930/1559,
/// `logs` ERC-20 Transfer logs per receipt.
std::vector<execution::Receipt> block_receipts(size_t logs)
{
    std::vector<execution::Receipt> rs(kReceipts);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kReceipts; ++i)
    {
        auto& r = rs[i];
        r.type = static_cast<TxType>(i % 3);
        r.success = true;
        r.gas_used = logs ? 51'000 : 21'000;
        cumulative += r.gas_used;
        r.cumulative_gas_used = cumulative;
        for (size_t l = 0; l < logs; ++l)
        {
            state::Log log;
            log.address = address_from_u64(0xe20);
            log.topics = {keccak256(Bytes{'T'}), U256{i}.to_hash(), U256{i + 1}.to_hash()};
            log.data.assign(32, static_cast<uint8_t>(i));
            r.logs.push_back(std::move(log));
        }
    }
    return rs;
}

/// What get_transaction_receipt did before receipt_at, once the receipts are decoded: the
/// wanted one's bloom, gas used from the cumulative values and the logs before it.
uint64_t finish_old_read(std::vector<execution::Receipt>& receipts, size_t index)
{
    auto& r = receipts[index];
    r.bloom = execution::logs_bloom(r.logs);
    chain::fill_gas_used(receipts);
    uint64_t first_log = 0;
    for (size_t i = 0; i < index; ++i)
        first_log += receipts[i].logs.size();
    return r.gas_used + first_log + r.bloom[0];
}

/// The same numbers from receipt_at's answer.
uint64_t finish_new_read(const std::optional<db::codec::ReceiptAt>& at)
{
    if (!at)
        std::abort();
    const auto& r = at->receipt;
    return r.cumulative_gas_used - at->previous_cumulative_gas + at->first_log_index + r.bloom[0];
}

void codec_full_decode(benchmark::State& state)
{
    const Bytes stored = db::codec::encode_receipts(block_receipts(state.range(0)));
    for (auto _ : state)
    {
        auto receipts = db::codec::decode_receipts(stored, db::codec::Blooms::Skip);
        benchmark::DoNotOptimize(finish_old_read(*receipts, kLast));
    }
    state.counters["stored_bytes"] = static_cast<double>(stored.size());
}

void codec_receipt_at(benchmark::State& state)
{
    const Bytes stored = db::codec::encode_receipts(block_receipts(state.range(0)));
    for (auto _ : state)
    {
        const auto at = db::codec::decode_receipt_at(stored, kLast);
        benchmark::DoNotOptimize(finish_new_read(*at));
    }
    state.counters["stored_bytes"] = static_cast<double>(stored.size());
}

/// An in-memory ChainDb holding genesis and block 1 with the 1,500 receipts (the block's
/// transactions are not needed by either read and are left out).
std::unique_ptr<db::ChainDb> db_with_block(size_t logs)
{
    auto opened = db::ChainDb::open({});
    if (!opened)
        std::abort();
    auto db = std::move(*opened);
    chain::Block genesis;
    genesis.header.gas_limit = 1'000'000'000;
    if (!db->init_genesis(genesis, {}))
        std::abort();
    const auto receipts = block_receipts(logs);
    chain::Block b;
    b.header.parent_hash = genesis.header.hash();
    b.header.number = 1;
    b.header.gas_limit = genesis.header.gas_limit;
    b.header.gas_used = receipts.back().cumulative_gas_used;
    // commit_block wants one receipt per transaction: give it 1,500 minimal transactions
    for (size_t i = 0; i < kReceipts; ++i)
    {
        Transaction tx;
        tx.nonce = i;
        tx.gas_limit = 21'000;
        tx.to = address_from_u64(1);
        tx.r = 1;
        tx.s = 1;
        b.transactions.push_back(tx);
        b.senders.push_back(address_from_u64(2));
    }
    if (!db->commit_block(b, receipts, {}))
        std::abort();
    return db;
}

void chaindb_receipts(benchmark::State& state)
{
    const auto db = db_with_block(state.range(0));
    for (auto _ : state)
    {
        auto receipts = db->receipts(1, db::codec::Blooms::Skip);
        benchmark::DoNotOptimize(finish_old_read(*receipts, kLast));
    }
}

void chaindb_receipt_at(benchmark::State& state)
{
    const auto db = db_with_block(state.range(0));
    for (auto _ : state)
    {
        const auto at = db->receipt_at(1, kLast);
        benchmark::DoNotOptimize(finish_new_read(*at));
    }
}

}  // namespace

BENCHMARK(codec_full_decode)
    ->Name("Codec/full_decode")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(codec_receipt_at)
    ->Name("Codec/receipt_at")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(chaindb_receipts)
    ->Name("ChainDb/receipts")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(chaindb_receipt_at)
    ->Name("ChainDb/receipt_at")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
