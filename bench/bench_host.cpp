#include "bench/bench_host.hpp"

#include "core/keccak.hpp"

#include <string>

namespace tern::bench {
namespace {

constexpr int32_t kMaxCallDepth = 1024;
constexpr uint64_t kLastPrecompile = 0x0a;  // Cancun: 0x01..0x0a

bool is_precompile(const Address& addr) noexcept
{
    for (size_t i = 0; i < 12; ++i)
        if (addr.bytes[i] != 0)
            return false;
    const U256 v = U256::from_address(addr);
    return v >= 1 && v <= kLastPrecompile;
}

}  // namespace

BenchHost::BenchHost(const Workload& w, CodeExecutor& executor)
    : executor_(executor), pre_(w.accounts), sender_(w.sender), to_(w.to)
{
    tx_context_.gas_price = w.gas_price;
    tx_context_.origin = w.sender;
    tx_context_.coinbase = w.block.coinbase;
    tx_context_.block_number = w.block.number;
    tx_context_.block_timestamp = w.block.timestamp;
    tx_context_.block_gas_limit = w.block.gas_limit;
    tx_context_.prev_randao = w.block.prev_randao;
    tx_context_.chain_id = w.block.chain_id;
    tx_context_.base_fee = w.block.base_fee;
    tx_context_.blob_base_fee = 1;
    for (const AccountSpec& spec : pre_)
    {
        pre_code_.push_back(std::make_shared<const Bytes>(spec.code));
        pre_code_hash_.push_back(keccak256(spec.code));
    }
    reset();
}

void BenchHost::reset()
{
    accounts_.clear();
    for (size_t i = 0; i < pre_.size(); ++i)
    {
        const AccountSpec& spec = pre_[i];
        Account& a = accounts_[spec.address];
        a.balance = spec.balance;
        a.nonce = spec.nonce;
        a.code = pre_code_[i];
        a.code_hash = pre_code_hash_[i];
        for (const auto& [k, v] : spec.storage)
            a.storage[k] = Slot{v, v};
    }
    warm_accounts_.clear();
    warm_slots_.clear();
    journal_.clear();
    warm_accounts_.insert(sender_);
    warm_accounts_.insert(to_);
    warm_accounts_.insert(tx_context_.coinbase);
    for (uint64_t p = 1; p <= kLastPrecompile; ++p)
        warm_accounts_.insert(address_from_u64(p));
    logs_ = 0;
    calls_ = 0;
}

const BenchHost::Account* BenchHost::find(const Address& addr) const
{
    auto it = accounts_.find(addr);
    return it == accounts_.end() ? nullptr : &it->second;
}

BenchHost::Account& BenchHost::get_or_create(const Address& addr)
{
    auto [it, inserted] = accounts_.try_emplace(addr);
    if (inserted)
    {
        it->second.code = std::make_shared<const Bytes>();
        it->second.code_hash = kEmptyCodeHash;
        journal_.push_back({JournalEntry::Kind::Created, addr, {}, {}});
    }
    return it->second;
}

void BenchHost::revert_to(size_t mark)
{
    while (journal_.size() > mark)
    {
        const JournalEntry e = journal_.back();
        journal_.pop_back();
        switch (e.kind)
        {
            case JournalEntry::Kind::Storage:
                accounts_[e.addr].storage[e.key].current = e.prev;
                break;
            case JournalEntry::Kind::Transient:
                accounts_[e.addr].transient[e.key] = e.prev;
                break;
            case JournalEntry::Kind::Balance:
                accounts_[e.addr].balance = e.prev;
                break;
            case JournalEntry::Kind::WarmAccount:
                warm_accounts_.erase(e.addr);
                break;
            case JournalEntry::Kind::WarmSlot:
                warm_slots_.erase({e.addr, e.key});
                break;
            case JournalEntry::Kind::Created:
                accounts_.erase(e.addr);
                break;
        }
    }
}

bool BenchHost::account_exists(const Address& addr) const
{
    const Account* a = find(addr);
    return a != nullptr && (a->nonce != 0 || a->balance != 0 || !a->code->empty());
}

U256 BenchHost::get_storage(const Address& addr, const U256& key) const
{
    const Account* a = find(addr);
    if (a == nullptr)
        return 0;
    auto it = a->storage.find(key);
    return it == a->storage.end() ? U256(0) : it->second.current;
}

evm::StorageStatus BenchHost::set_storage(const Address& addr, const U256& key, const U256& value)
{
    using evm::StorageStatus;
    Slot& s = get_or_create(addr).storage[key];  // a new slot is {0, 0}
    const U256 original = s.original;
    const U256 current = s.current;
    if (current == value)
        return StorageStatus::Assigned;
    journal_.push_back({JournalEntry::Kind::Storage, addr, key, current});
    s.current = value;
    if (original == current)
    {
        if (original == 0)
            return StorageStatus::Added;
        return value == 0 ? StorageStatus::Deleted : StorageStatus::Modified;
    }
    if (original != 0)
    {
        if (current == 0)
            return value == original ? StorageStatus::DeletedRestored : StorageStatus::DeletedAdded;
        if (value == 0)
            return StorageStatus::ModifiedDeleted;
        if (value == original)
            return StorageStatus::ModifiedRestored;
        return StorageStatus::Assigned;
    }
    return value == 0 ? StorageStatus::AddedDeleted : StorageStatus::Assigned;
}

U256 BenchHost::get_balance(const Address& addr) const
{
    const Account* a = find(addr);
    return a == nullptr ? U256(0) : a->balance;
}

size_t BenchHost::get_code_size(const Address& addr) const
{
    const Account* a = find(addr);
    return a == nullptr ? 0 : a->code->size();
}

Hash256 BenchHost::get_code_hash(const Address& addr) const
{
    if (!account_exists(addr))
        return Hash256{};
    return find(addr)->code_hash;
}

BytesView BenchHost::get_code(const Address& addr) const
{
    const Account* a = find(addr);
    return a == nullptr ? BytesView{} : BytesView(*a->code);
}

bool BenchHost::selfdestruct(const Address& addr, const Address& beneficiary)
{
    // EIP-6780: the account was not created in this transaction, so only the balance moves.
    const U256 amount = get_balance(addr);
    if (addr != beneficiary && amount != 0)
    {
        Account& to = get_or_create(beneficiary);
        journal_.push_back({JournalEntry::Kind::Balance, beneficiary, {}, to.balance});
        to.balance += amount;
        Account& from = get_or_create(addr);
        journal_.push_back({JournalEntry::Kind::Balance, addr, {}, from.balance});
        from.balance = 0;
    }
    return true;
}

evm::ExecResult BenchHost::call(const evm::Message& msg)
{
    if (msg.depth > 0)
        ++calls_;
    evm::ExecResult r;
    if (msg.depth > kMaxCallDepth)
    {
        r.status = evm::Status::CallDepthExceeded;
        r.gas_left = msg.gas;
        return r;
    }
    if (msg.kind == evm::CallKind::Create || msg.kind == evm::CallKind::Create2)
    {
        r.status = evm::Status::InternalError;  // not needed by any benchmark workload
        return r;
    }
    const size_t mark = journal_.size();
    if (msg.kind == evm::CallKind::Call && msg.value != 0)
    {
        if (get_balance(msg.sender) < msg.value)
        {
            r.status = evm::Status::InsufficientBalance;
            r.gas_left = msg.gas;
            return r;
        }
        Account& from = get_or_create(msg.sender);
        journal_.push_back({JournalEntry::Kind::Balance, msg.sender, {}, from.balance});
        from.balance -= msg.value;
        Account& to = get_or_create(msg.recipient);
        journal_.push_back({JournalEntry::Kind::Balance, msg.recipient, {}, to.balance});
        to.balance += msg.value;
    }
    if (is_precompile(msg.code_address))
    {
        r.status = evm::Status::PrecompileFailure;  // not needed by any benchmark workload
    }
    else
    {
        const Account* a = find(msg.code_address);
        if (a == nullptr || a->code->empty())
        {
            r.status = evm::Status::Success;
            r.gas_left = msg.gas;
            return r;
        }
        r = executor_.execute(*this, msg, *a->code, a->code_hash);
    }
    if (r.status != evm::Status::Success)
        revert_to(mark);
    return r;
}

const evm::TxContext& BenchHost::get_tx_context() const
{
    return tx_context_;
}

Hash256 BenchHost::get_block_hash(int64_t number) const
{
    // The state-test fillers' convention: keccak256 of the decimal number.
    return keccak256(as_bytes(std::to_string(number)));
}

void BenchHost::emit_log(const Address&, BytesView, std::span<const Hash256>)
{
    ++logs_;
}

evm::AccessStatus BenchHost::access_account(const Address& addr)
{
    if (!warm_accounts_.insert(addr).second)
        return evm::AccessStatus::Warm;
    journal_.push_back({JournalEntry::Kind::WarmAccount, addr, {}, {}});
    return evm::AccessStatus::Cold;
}

evm::AccessStatus BenchHost::access_storage(const Address& addr, const U256& key)
{
    if (!warm_slots_.insert({addr, key}).second)
        return evm::AccessStatus::Warm;
    journal_.push_back({JournalEntry::Kind::WarmSlot, addr, key, {}});
    return evm::AccessStatus::Cold;
}

U256 BenchHost::get_transient_storage(const Address& addr, const U256& key) const
{
    const Account* a = find(addr);
    if (a == nullptr)
        return 0;
    auto it = a->transient.find(key);
    return it == a->transient.end() ? U256(0) : it->second;
}

void BenchHost::set_transient_storage(const Address& addr, const U256& key, const U256& value)
{
    Account& a = get_or_create(addr);
    U256& slot = a.transient[key];
    journal_.push_back({JournalEntry::Kind::Transient, addr, key, slot});
    slot = value;
}

}  // namespace tern::bench
