#include "bench/bench_host.hpp"
#include "core/keccak.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace tern::bench {
namespace {

using evm::StorageStatus;

/// Executor stand-in: runs a test-supplied function instead of an interpreter.
class FakeExecutor final : public CodeExecutor
{
public:
    std::function<evm::ExecResult(evm::Host&, const evm::Message&, BytesView)> fn;
    evm::ExecResult execute(evm::Host& host,
                            const evm::Message& msg,
                            BytesView code,
                            const Hash256& code_hash) override
    {
        EXPECT_EQ(code_hash, keccak256(code));
        return fn(host, msg, code);
    }
};

Workload make_workload()
{
    Workload w;
    w.name = "test";
    w.sender = address_from_u64(0xaa);
    w.to = address_from_u64(0xbb);
    w.block.coinbase = address_from_u64(0xcc);
    w.gas_limit = 1'000'000;
    w.accounts.push_back({w.sender, U256(1000), 0, {}, {}});
    AccountSpec contract{w.to, U256(0), 1, Bytes{0x00}, {}};
    contract.storage[U256(1)] = U256(5);
    w.accounts.push_back(contract);
    w.accounts.push_back({address_from_u64(0xdd), U256(0), 0, Bytes{0x5b, 0x00}, {}});
    return w;
}

TEST(BenchHost, LoadsPreState)
{
    FakeExecutor ex;
    const Workload w = make_workload();
    BenchHost host(w, ex);
    EXPECT_EQ(host.get_balance(w.sender), U256(1000));
    EXPECT_EQ(host.get_storage(w.to, U256(1)), U256(5));
    EXPECT_EQ(host.get_storage(w.to, U256(2)), U256(0));
    EXPECT_EQ(host.get_code_size(address_from_u64(0xdd)), 2u);
    EXPECT_TRUE(host.account_exists(w.to));
    EXPECT_FALSE(host.account_exists(address_from_u64(0x1234)));
    EXPECT_EQ(host.get_code_hash(address_from_u64(0x1234)), Hash256{});
    EXPECT_EQ(host.get_tx_context().origin, w.sender);
    EXPECT_EQ(host.get_tx_context().coinbase, w.block.coinbase);
}

TEST(BenchHost, StorageStatusFollowsEip2200)
{
    FakeExecutor ex;
    const Workload w = make_workload();
    BenchHost host(w, ex);
    const Address a = w.to;
    // Slot 1 starts at 5 (original non-zero), slot 2 at 0.
    EXPECT_EQ(host.set_storage(a, 1, 5), StorageStatus::Assigned);
    EXPECT_EQ(host.set_storage(a, 1, 6), StorageStatus::Modified);
    EXPECT_EQ(host.set_storage(a, 1, 7), StorageStatus::Assigned);
    EXPECT_EQ(host.set_storage(a, 1, 0), StorageStatus::ModifiedDeleted);
    EXPECT_EQ(host.set_storage(a, 1, 5), StorageStatus::DeletedRestored);
    EXPECT_EQ(host.set_storage(a, 1, 0), StorageStatus::Deleted);
    EXPECT_EQ(host.set_storage(a, 1, 9), StorageStatus::DeletedAdded);
    EXPECT_EQ(host.set_storage(a, 1, 5), StorageStatus::ModifiedRestored);
    EXPECT_EQ(host.set_storage(a, 2, 3), StorageStatus::Added);
    EXPECT_EQ(host.set_storage(a, 2, 4), StorageStatus::Assigned);
    EXPECT_EQ(host.set_storage(a, 2, 0), StorageStatus::AddedDeleted);
    EXPECT_EQ(host.get_storage(a, 2), U256(0));
}

TEST(BenchHost, ResetRestoresPreStateAndAccessLists)
{
    FakeExecutor ex;
    const Workload w = make_workload();
    BenchHost host(w, ex);
    // Sender, recipient, coinbase and precompiles are warm at the start.
    EXPECT_EQ(host.access_account(w.sender), evm::AccessStatus::Warm);
    EXPECT_EQ(host.access_account(w.to), evm::AccessStatus::Warm);
    EXPECT_EQ(host.access_account(w.block.coinbase), evm::AccessStatus::Warm);
    EXPECT_EQ(host.access_account(address_from_u64(1)), evm::AccessStatus::Warm);
    EXPECT_EQ(host.access_account(address_from_u64(0x0a)), evm::AccessStatus::Warm);
    EXPECT_EQ(host.access_account(address_from_u64(0x0b)), evm::AccessStatus::Cold);
    EXPECT_EQ(host.access_account(address_from_u64(0x0b)), evm::AccessStatus::Warm);
    EXPECT_EQ(host.access_storage(w.to, 1), evm::AccessStatus::Cold);
    EXPECT_EQ(host.access_storage(w.to, 1), evm::AccessStatus::Warm);
    host.set_storage(w.to, 1, 77);
    host.set_transient_storage(w.to, 3, 4);
    host.emit_log(w.to, {}, {});
    EXPECT_EQ(host.log_count(), 1u);

    host.reset();
    EXPECT_EQ(host.get_storage(w.to, 1), U256(5));
    EXPECT_EQ(host.set_storage(w.to, 1, 6), StorageStatus::Modified);  // original is 5 again
    EXPECT_EQ(host.get_transient_storage(w.to, 3), U256(0));
    EXPECT_EQ(host.access_account(address_from_u64(0x0b)), evm::AccessStatus::Cold);
    EXPECT_EQ(host.access_storage(w.to, 1), evm::AccessStatus::Cold);
    EXPECT_EQ(host.log_count(), 0u);
}

TEST(BenchHost, FailedCallRollsBackItsChanges)
{
    FakeExecutor ex;
    const Workload w = make_workload();
    BenchHost host(w, ex);
    const Address callee = address_from_u64(0xdd);
    ex.fn = [&](evm::Host& h, const evm::Message& msg, BytesView code) {
        EXPECT_EQ(code.size(), 2u);
        h.set_storage(msg.recipient, 1, 42);
        h.set_transient_storage(msg.recipient, 1, 42);
        h.access_account(address_from_u64(0x77));
        h.access_storage(msg.recipient, 9);
        evm::ExecResult r;
        r.status = evm::Status::Revert;
        r.gas_left = 10;
        return r;
    };
    evm::Message msg;
    msg.kind = evm::CallKind::Call;
    msg.depth = 1;
    msg.gas = 100;
    msg.sender = w.to;
    msg.recipient = callee;
    msg.code_address = callee;
    msg.value = 0;
    const evm::ExecResult r = host.call(msg);
    EXPECT_EQ(r.status, evm::Status::Revert);
    EXPECT_EQ(r.gas_left, 10);
    EXPECT_EQ(host.get_storage(callee, 1), U256(0));
    EXPECT_EQ(host.get_transient_storage(callee, 1), U256(0));
    EXPECT_EQ(host.access_account(address_from_u64(0x77)), evm::AccessStatus::Cold);
    EXPECT_EQ(host.access_storage(callee, 9), evm::AccessStatus::Cold);
    EXPECT_EQ(host.call_count(), 1u);

    // The same changes stay when the call succeeds.
    ex.fn = [&](evm::Host& h, const evm::Message& m, BytesView) {
        h.set_storage(m.recipient, 1, 42);
        evm::ExecResult ok;
        ok.gas_left = m.gas;
        return ok;
    };
    EXPECT_EQ(host.call(msg).status, evm::Status::Success);
    EXPECT_EQ(host.get_storage(callee, 1), U256(42));
}

TEST(BenchHost, ValueTransferAndInsufficientBalance)
{
    FakeExecutor ex;
    const Workload w = make_workload();
    BenchHost host(w, ex);
    const Address empty = address_from_u64(0x999);
    evm::Message msg;
    msg.kind = evm::CallKind::Call;
    msg.depth = 1;
    msg.gas = 100;
    msg.sender = w.sender;
    msg.recipient = empty;
    msg.code_address = empty;
    msg.value = 300;
    EXPECT_EQ(host.call(msg).status, evm::Status::Success);  // no code: plain transfer
    EXPECT_EQ(host.get_balance(w.sender), U256(700));
    EXPECT_EQ(host.get_balance(empty), U256(300));
    EXPECT_TRUE(host.account_exists(empty));
    msg.value = 701;
    const evm::ExecResult r = host.call(msg);
    EXPECT_EQ(r.status, evm::Status::InsufficientBalance);
    EXPECT_EQ(r.gas_left, 100);
    EXPECT_EQ(host.get_balance(w.sender), U256(700));
}

TEST(BenchHost, BlockHashFollowsFixtureConvention)
{
    FakeExecutor ex;
    const Workload w = make_workload();
    BenchHost host(w, ex);
    EXPECT_EQ(host.get_block_hash(7), keccak256(as_bytes("7")));
}

}  // namespace
}  // namespace tern::bench
