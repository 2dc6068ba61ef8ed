// libFuzzer harness (fuzz_interpreter): runs arbitrary bytecode through the interpreter with a
// small in-memory host, under ASan/UBSan, and checks the ExecResult invariants.
//
// Input layout: byte 0 = flags (bit 0: static frame, bit 1: with call value), bytes 1..2 = gas
// in units of 64, then the code; the code also serves as call data (reversed) so CALLDATA*
// opcodes see something. Nested calls re-enter the same interpreter on the same code.

#include "core/assert.hpp"
#include "core/keccak.hpp"
#include "evm/host.hpp"
#include "evm/vm.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

namespace {

using namespace tern;
using namespace tern::evm;

class FuzzHost final : public Host
{
public:
    FuzzHost(Vm& vm, BytesView code) : vm_(vm), code_(code), code_hash_(keccak256(code)) {}

    bool account_exists(const Address& addr) const override { return addr.bytes[19] % 2 == 0; }
    U256 get_storage(const Address& addr, const U256& key) const override
    {
        auto it = storage_.find({addr, key});
        return it == storage_.end() ? U256{} : it->second;
    }
    StorageStatus set_storage(const Address& addr, const U256& key, const U256& value) override
    {
        U256& slot = storage_[{addr, key}];
        const U256 current = slot;
        slot = value;
        // Cycle through all statuses deterministically to exercise the pricing table.
        return static_cast<StorageStatus>((current.w[0] ^ value.w[0]) % 9);
    }
    U256 get_balance(const Address& addr) const override { return U256{addr.bytes[18]} << 8; }
    size_t get_code_size(const Address&) const override { return code_.size(); }
    Hash256 get_code_hash(const Address&) const override { return code_hash_; }
    BytesView get_code(const Address&) const override { return code_; }
    bool selfdestruct(const Address&, const Address&) override { return true; }
    ExecResult call(const Message& msg) override
    {
        if (msg.depth > 8)  // keep runs short; the interpreter's own depth limit is 1024
            return ExecResult{Status::Success, msg.gas, 0, {}, {}};
        ExecResult r = (msg.kind == CallKind::Create || msg.kind == CallKind::Create2)
                           ? vm_.execute(*this, msg, msg.input)
                           : vm_.execute(*this, msg, code_, code_hash_);
        TERN_ASSERT(r.gas_left >= 0 && r.gas_left <= msg.gas);
        if (r.status == Status::Success && msg.kind != CallKind::Call &&
            msg.kind != CallKind::DelegateCall && msg.kind != CallKind::CallCode)
        {
            r.create_address = address_from_u64(msg.depth);
            r.output.clear();
        }
        return r;
    }
    const TxContext& get_tx_context() const override { return tx_; }
    Hash256 get_block_hash(int64_t number) const override
    {
        Hash256 h;
        h[31] = static_cast<uint8_t>(number);
        return h;
    }
    void emit_log(const Address&, BytesView data, std::span<const Hash256> topics) override
    {
        TERN_ASSERT(topics.size() <= 4);
        log_bytes_ += data.size();
    }
    AccessStatus access_account(const Address& addr) override
    {
        return warm_.insert(addr).second ? AccessStatus::Cold : AccessStatus::Warm;
    }
    AccessStatus access_storage(const Address& addr, const U256& key) override
    {
        return warm_slots_.insert({addr, key}).second ? AccessStatus::Cold : AccessStatus::Warm;
    }
    U256 get_transient_storage(const Address& addr, const U256& key) const override
    {
        auto it = transient_.find({addr, key});
        return it == transient_.end() ? U256{} : it->second;
    }
    void set_transient_storage(const Address& addr, const U256& key, const U256& value) override
    {
        transient_[{addr, key}] = value;
    }

private:
    Vm& vm_;
    BytesView code_;
    Hash256 code_hash_;
    TxContext tx_{};
    std::map<std::pair<Address, U256>, U256> storage_;
    std::map<std::pair<Address, U256>, U256> transient_;
    std::set<Address> warm_;
    std::set<std::pair<Address, U256>> warm_slots_;
    size_t log_bytes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 3)
        return 0;
    const uint8_t flags = data[0];
    const int64_t gas = (static_cast<int64_t>(data[1]) << 8 | data[2]) * 64;
    const BytesView code{data + 3, size - 3};
    const Bytes input(code.rbegin(), code.rend());

    Vm vm;
    FuzzHost host{vm, code};
    Message msg;
    msg.gas = gas;
    msg.is_static = (flags & 1) != 0;
    msg.value = (flags & 2) != 0 ? U256{1000} : U256{};
    msg.recipient = address_from_u64(0x1000);
    msg.code_address = msg.recipient;
    msg.sender = address_from_u64(0x2000);
    msg.input = input;

    const ExecResult r = vm.execute(host, msg, code);
    TERN_ASSERT(r.gas_left >= 0 && r.gas_left <= gas);
    if (r.status != Status::Success && r.status != Status::Revert)
        TERN_ASSERT(r.gas_left == 0 && r.output.empty() && r.gas_refund == 0);
    if (r.status != Status::Success)
        TERN_ASSERT(r.gas_refund == 0);
    // Same code again through the cache: identical outcome (no hidden state in the Vm).
    FuzzHost host2{vm, code};
    const ExecResult r2 = vm.execute(host2, msg, code, keccak256(code));
    TERN_ASSERT(r2.status == r.status && r2.gas_left == r.gas_left && r2.output == r.output &&
                r2.gas_refund == r.gas_refund);
    return 0;
}
