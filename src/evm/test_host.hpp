#pragma once

// Test helpers for the evm module: an in-memory Host (with snapshots for nested calls, EIP-2929
// warm sets, EIP-2200 storage classification, transient storage, logs) and a bytecode builder.
// Header-only, used by src/evm/*_test.cpp only.

#include "core/bytes.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "evm/opcodes.hpp"
#include "evm/sstore.hpp"
#include "evm/vm.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace tern::evm::test {

/// One storage slot: value at transaction start and now.
struct Slot
{
    U256 original;  ///< value at the start of the transaction
    U256 current;   ///< value now
};

/// An account of the test world.
struct Account
{
    U256 balance;                  ///< wei
    uint64_t nonce = 0;            ///< nonce
    Bytes code;                    ///< contract code
    std::map<U256, Slot> storage;  ///< storage slots
};

/// A LOG record.
struct Log
{
    Address addr;                 ///< emitting contract
    Bytes data;                   ///< log data
    std::vector<Hash256> topics;  ///< topics
};

/// A recorded nested call (input copied, since the view dies with the caller's memory).
struct RecordedCall
{
    Message msg;  ///< the message (input view not valid any more)
    Bytes input;  ///< copy of msg.input
};

/// In-memory Host. Nested calls run through `vm` (if set) against the same world, with a full
/// snapshot restored on failure; without `vm`, calls return `canned_result`.
class TestHost : public Host
{
public:
    std::map<Address, Account> accounts;                     ///< the world state
    TxContext tx;                                            ///< block/tx context
    std::map<int64_t, Hash256> block_hashes;                 ///< BLOCKHASH answers
    std::set<Address> warm_accounts;                         ///< EIP-2929 accessed addresses
    std::set<std::pair<Address, U256>> warm_slots;           ///< EIP-2929 accessed slots
    std::map<std::pair<Address, U256>, U256> transient;      ///< EIP-1153 storage
    std::vector<Log> logs;                                   ///< emitted logs
    std::vector<RecordedCall> calls;                         ///< nested messages seen by call()
    std::vector<std::pair<Address, Address>> selfdestructs;  ///< (contract, beneficiary)
    Vm* vm = nullptr;                                        ///< interpreter for nested calls
    ExecResult canned_result;                                ///< result of call() when vm is null
    uint64_t next_create_id = 0xc0de00;                      ///< addresses of created contracts

    TestHost() = default;
    /// Host that executes nested calls with `v`.
    explicit TestHost(Vm& v) : vm(&v) {}

    bool account_exists(const Address& addr) const override { return accounts.count(addr) != 0; }

    U256 get_storage(const Address& addr, const U256& key) const override
    {
        auto a = accounts.find(addr);
        if (a == accounts.end())
            return {};
        auto s = a->second.storage.find(key);
        return s == a->second.storage.end() ? U256{} : s->second.current;
    }

    StorageStatus set_storage(const Address& addr, const U256& key, const U256& value) override
    {
        Slot& s = accounts[addr].storage[key];
        const StorageStatus st = classify_sstore(s.original, s.current, value);
        s.current = value;
        return st;
    }

    U256 get_balance(const Address& addr) const override
    {
        auto a = accounts.find(addr);
        return a == accounts.end() ? U256{} : a->second.balance;
    }

    size_t get_code_size(const Address& addr) const override { return get_code(addr).size(); }

    Hash256 get_code_hash(const Address& addr) const override
    {
        auto a = accounts.find(addr);
        if (a == accounts.end())
            return {};
        return keccak256(a->second.code);
    }

    BytesView get_code(const Address& addr) const override
    {
        auto a = accounts.find(addr);
        return a == accounts.end() ? BytesView{} : BytesView{a->second.code};
    }

    bool selfdestruct(const Address& addr, const Address& beneficiary) override
    {
        selfdestructs.emplace_back(addr, beneficiary);
        return true;
    }

    ExecResult call(const Message& msg) override
    {
        calls.push_back({msg, to_bytes(msg.input)});
        if (vm == nullptr)
            return canned_result;
        if (msg.depth > 1024)
            return ExecResult{Status::CallDepthExceeded, 0, 0, {}, {}};

        const auto snapshot = std::make_tuple(accounts, transient, logs.size(), warm_accounts,
                                              warm_slots, selfdestructs.size());
        auto restore = [&] {
            accounts = std::get<0>(snapshot);
            transient = std::get<1>(snapshot);
            logs.resize(std::get<2>(snapshot));
            warm_accounts = std::get<3>(snapshot);
            warm_slots = std::get<4>(snapshot);
            selfdestructs.resize(std::get<5>(snapshot));
        };

        const bool is_create = msg.kind == CallKind::Create || msg.kind == CallKind::Create2;
        Message m = msg;
        if (is_create)
        {
            m.recipient = address_from_u64(next_create_id++);
            warm_accounts.insert(m.recipient);
            accounts[m.recipient].nonce = 1;
        }
        if (m.kind == CallKind::Call || is_create)
        {
            if (accounts[m.sender].balance < m.value)
                return ExecResult{Status::InsufficientBalance, m.gas, 0, {}, {}};
            accounts[m.sender].balance -= m.value;
            accounts[m.recipient].balance += m.value;
        }

        ExecResult r;
        if (is_create)
            r = vm->execute(*this, m, m.input);
        else
        {
            const Bytes code = to_bytes(get_code(m.code_address));
            r = vm->execute(*this, m, code, keccak256(code));
        }
        if (r.status == Status::Success && is_create)
        {
            accounts[m.recipient].code = r.output;
            r.output.clear();
            r.create_address = m.recipient;
        }
        if (r.status != Status::Success)
            restore();
        return r;
    }

    const TxContext& get_tx_context() const override { return tx; }

    Hash256 get_block_hash(int64_t number) const override
    {
        auto it = block_hashes.find(number);
        return it == block_hashes.end() ? Hash256{} : it->second;
    }

    void emit_log(const Address& addr, BytesView data, std::span<const Hash256> topics) override
    {
        logs.push_back({addr, to_bytes(data), {topics.begin(), topics.end()}});
    }

    AccessStatus access_account(const Address& addr) override
    {
        return warm_accounts.insert(addr).second ? AccessStatus::Cold : AccessStatus::Warm;
    }

    AccessStatus access_storage(const Address& addr, const U256& key) override
    {
        return warm_slots.insert({addr, key}).second ? AccessStatus::Cold : AccessStatus::Warm;
    }

    U256 get_transient_storage(const Address& addr, const U256& key) const override
    {
        auto it = transient.find({addr, key});
        return it == transient.end() ? U256{} : it->second;
    }

    void set_transient_storage(const Address& addr, const U256& key, const U256& value) override
    {
        transient[{addr, key}] = value;
    }
};

/// Bytecode builder: `Code{}.push(1).push(2).op(Op::ADD).ret_top()`.
class Code
{
public:
    Code() = default;
    /// Starts from raw hex bytecode.
    explicit Code(std::string_view hex)
    {
        auto b = from_hex(hex);
        EXPECT_TRUE(b.has_value()) << hex;
        if (b)
            bytes = *b;
    }

    /// Appends one opcode.
    Code& op(Op o)
    {
        bytes.push_back(static_cast<uint8_t>(o));
        return *this;
    }

    /// Appends raw bytes.
    Code& raw(std::initializer_list<uint8_t> b)
    {
        bytes.insert(bytes.end(), b.begin(), b.end());
        return *this;
    }

    /// PUSH with the smallest width >= 1 byte (PUSH1 for zero).
    Code& push(const U256& v)
    {
        const size_t n = v.byte_width() == 0 ? 1 : v.byte_width();
        return pushn(n, v);
    }

    /// PUSHn of the low n bytes of v.
    Code& pushn(size_t n, const U256& v)
    {
        bytes.push_back(static_cast<uint8_t>(0x5f + n));
        uint8_t buf[32];
        v.to_be_bytes(buf);
        bytes.insert(bytes.end(), buf + 32 - n, buf + 32);
        return *this;
    }

    /// PUSH of an address (PUSH20).
    Code& push(const Address& a) { return pushn(20, U256::from_address(a)); }

    /// MSTORE(offset, value).
    Code& mstore(const U256& offset, const U256& value)
    {
        return push(value).push(offset).op(Op::MSTORE);
    }

    /// SSTORE(key, value).
    Code& sstore(const U256& key, const U256& value)
    {
        return push(value).push(key).op(Op::SSTORE);
    }

    /// Stores the stack top at memory 0 and returns those 32 bytes.
    Code& ret_top() { return push(0).op(Op::MSTORE).push(32).push(0).op(Op::RETURN); }

    /// RETURN(offset, size).
    Code& ret(const U256& offset, const U256& size)
    {
        return push(size).push(offset).op(Op::RETURN);
    }

    /// Appends another piece of code.
    Code& append(const Code& c)
    {
        bytes.insert(bytes.end(), c.bytes.begin(), c.bytes.end());
        return *this;
    }

    /// Current length (e.g. for jump targets).
    size_t size() const noexcept { return bytes.size(); }

    Bytes bytes;  ///< the code
};

/// Fixture: a Vm, a TestHost executing nested calls with it, and a default message from
/// kSender to kContract with plenty of gas.
class EvmTest : public testing::Test
{
protected:
    static constexpr Address kSender = address_from_u64(0xa11ce);
    static constexpr Address kContract = address_from_u64(0xc0ffee);

    Vm vm;
    TestHost host{vm};
    Message msg;

    EvmTest()
    {
        msg.kind = CallKind::Call;
        msg.gas = 1'000'000;
        msg.sender = kSender;
        msg.recipient = kContract;
        msg.code_address = kContract;
        host.accounts[kSender].balance = 1'000'000'000;
        host.accounts[kContract];
        // Like a transaction: sender and recipient are warm.
        host.warm_accounts.insert(kSender);
        host.warm_accounts.insert(kContract);
    }

    /// Installs `code` at kContract and executes it with msg (gas `gas`).
    ExecResult exec(const Code& code, int64_t gas = 1'000'000)
    {
        host.accounts[kContract].code = code.bytes;
        msg.gas = gas;
        return vm.execute(host, msg, code.bytes);
    }

    /// Gas used by a run of `code` (msg.gas - gas_left).
    int64_t gas_used(const Code& code, int64_t gas = 1'000'000)
    {
        const auto r = exec(code, gas);
        return gas - r.gas_left;
    }

    /// Executes and returns the 32-byte output as a word (expects Success and 32 bytes).
    U256 result_word(const Code& code)
    {
        const auto r = exec(code);
        EXPECT_EQ(r.status, Status::Success);
        EXPECT_EQ(r.output.size(), 32u);
        if (r.output.size() != 32)
            return U256::max();
        return U256::from_be(r.output);
    }
};

}  // namespace tern::evm::test
