#include "state/state.hpp"

#include "core/assert.hpp"
#include "core/keccak.hpp"

#include <utility>

namespace tern::state {

State::Account& State::load(const Address& addr) const
{
    auto [it, inserted] = cache_.try_emplace(addr);
    if (inserted)
    {
        if (const auto info = reader_.read_account(addr))
        {
            it->second.exists = true;
            it->second.nonce = info->nonce;
            it->second.balance = info->balance;
            it->second.code_hash = info->code_hash;
        }
    }
    return it->second;
}

State::Account& State::load_existing(const Address& addr)
{
    auto& acc = load(addr);
    TERN_ASSERT(acc.exists);
    return acc;
}

State::Slot& State::load_slot(const Address& addr, Account& acc, const U256& key) const
{
    auto [it, inserted] = acc.storage.try_emplace(key);
    if (inserted && acc.exists && !acc.storage_cleared)
    {
        const auto v = reader_.read_storage(addr, key);
        it->second.original = v;
        it->second.current = v;
    }
    return it->second;
}

bool State::exists(const Address& addr) const
{
    return load(addr).exists;
}

bool State::is_dead(const Address& addr) const
{
    const auto& acc = load(addr);
    return !acc.exists || (acc.nonce == 0 && !acc.balance && acc.code_hash == kEmptyCodeHash);
}

uint64_t State::nonce(const Address& addr) const
{
    return load(addr).nonce;
}

const U256& State::balance(const Address& addr) const
{
    return load(addr).balance;
}

const Hash256& State::code_hash(const Address& addr) const
{
    return load(addr).code_hash;
}

BytesView State::code(const Address& addr) const
{
    auto& acc = load(addr);
    if (acc.code_hash == kEmptyCodeHash)
        return {};
    if (!acc.code)
        acc.code = reader_.read_code(acc.code_hash);
    if (!acc.code)
        return {};
    return {acc.code->data(), acc.code->size()};
}

bool State::has_storage(const Address& addr) const
{
    auto& acc = load(addr);
    if (!acc.exists)
        return false;
    for (const auto& [k, slot] : acc.storage)
        if (slot.current)
            return true;
    if (acc.storage_cleared)
        return false;
    if (acc.backend_storage < 0)
        acc.backend_storage = reader_.has_storage(addr) ? 1 : 0;
    // Committed storage counts unless every loaded slot was zeroed; a precise answer would need
    // iteration, and the only user (the EIP-7610 collision check) sees no such case.
    return acc.backend_storage == 1;
}

U256 State::storage(const Address& addr, const U256& key) const
{
    auto& acc = load(addr);
    return load_slot(addr, acc, key).current;
}

U256 State::original_storage(const Address& addr, const U256& key) const
{
    auto& acc = load(addr);
    return load_slot(addr, acc, key).original;
}

void State::create_account(const Address& addr)
{
    auto& acc = load(addr);
    if (acc.exists)
        return;
    journal_.push_back({Kind::Create, addr, {}, {}, {}, {}});
    acc.exists = true;
    mark_dirty(addr);
}

void State::touch(const Address& addr)
{
    create_account(addr);
    auto& acc = load(addr);
    if (acc.touched)
        return;
    journal_.push_back({Kind::Touch, addr, {}, {}, {}, {}});
    acc.touched = true;
}

void State::set_nonce(const Address& addr, uint64_t nonce)
{
    auto& acc = load_existing(addr);
    journal_.push_back({Kind::Nonce, addr, {}, U256{acc.nonce}, {}, {}});
    acc.nonce = nonce;
    mark_dirty(addr);
}

void State::set_balance(const Address& addr, const U256& balance)
{
    create_account(addr);
    auto& acc = load(addr);
    journal_.push_back({Kind::Balance, addr, {}, acc.balance, {}, {}});
    acc.balance = balance;
    mark_dirty(addr);
}

void State::add_balance(const Address& addr, const U256& amount)
{
    set_balance(addr, balance(addr) + amount);
}

void State::sub_balance(const Address& addr, const U256& amount)
{
    const auto& b = balance(addr);
    TERN_ASSERT(b >= amount);
    set_balance(addr, b - amount);
}

void State::set_code(const Address& addr, BytesView code)
{
    auto& acc = load_existing(addr);
    journal_.push_back({Kind::Code, addr, {}, {}, acc.code, acc.code_hash});
    acc.code = std::make_shared<const Bytes>(to_bytes(code));
    acc.code_hash = keccak256(code);
    acc.code_dirty = true;
    mark_dirty(addr);
}

void State::set_storage(const Address& addr, const U256& key, const U256& value)
{
    auto& acc = load_existing(addr);
    auto& slot = load_slot(addr, acc, key);
    journal_.push_back({Kind::Storage, addr, key, slot.current, {}, {}});
    slot.current = value;
    slot.dirty = true;
    mark_dirty(addr);
}

bool State::access_account(const Address& addr)
{
    if (!warm_accounts_.insert(addr).second)
        return true;
    journal_.push_back({Kind::WarmAccount, addr, {}, {}, {}, {}});
    return false;
}

bool State::access_storage(const Address& addr, const U256& key)
{
    if (!warm_slots_.insert({addr, key}).second)
        return true;
    journal_.push_back({Kind::WarmSlot, addr, key, {}, {}, {}});
    return false;
}

U256 State::transient_storage(const Address& addr, const U256& key) const
{
    const auto it = transient_.find({addr, key});
    return it == transient_.end() ? U256{} : it->second;
}

void State::set_transient_storage(const Address& addr, const U256& key, const U256& value)
{
    auto& v = transient_[{addr, key}];
    journal_.push_back({Kind::Transient, addr, key, v, {}, {}});
    v = value;
}

void State::mark_created(const Address& addr)
{
    auto& acc = load(addr);
    if (acc.created)
        return;
    journal_.push_back({Kind::Created, addr, {}, {}, {}, {}});
    acc.created = true;
}

bool State::is_created(const Address& addr) const
{
    return load(addr).created;
}

bool State::mark_destructed(const Address& addr)
{
    auto& acc = load(addr);
    if (acc.destructed)
        return false;
    journal_.push_back({Kind::Destructed, addr, {}, {}, {}, {}});
    acc.destructed = true;
    return true;
}

bool State::is_destructed(const Address& addr) const
{
    return load(addr).destructed;
}

void State::add_log(Log log)
{
    journal_.push_back({Kind::LogAdded, {}, {}, {}, {}, {}});
    logs_.push_back(std::move(log));
}

Hash256 State::put_blob(Bytes data)
{
    const Hash256 hash = keccak256(data);
    if (blobs_.contains(hash))
        return hash;
    blobs_.emplace(hash, std::make_shared<const Bytes>(std::move(data)));
    journal_.push_back({Kind::Blob, {}, {}, {}, {}, hash});
    return hash;
}

CodePtr State::blob(const Hash256& hash) const
{
    if (const auto it = blobs_.find(hash); it != blobs_.end())
        return it->second;
    return reader_.read_blob(hash);
}

void State::revert(Snapshot s)
{
    TERN_ASSERT(s.journal_size <= journal_.size());
    while (journal_.size() > s.journal_size)
    {
        auto& e = journal_.back();
        switch (e.kind)
        {
            case Kind::Create:
                cache_[e.addr].exists = false;
                break;
            case Kind::Touch:
                cache_[e.addr].touched = false;
                break;
            case Kind::Nonce:
                cache_[e.addr].nonce = e.prev.low64();
                break;
            case Kind::Balance:
                cache_[e.addr].balance = e.prev;
                break;
            case Kind::Code:
            {
                auto& acc = cache_[e.addr];
                acc.code = std::move(e.prev_code);
                acc.code_hash = e.prev_code_hash;
                break;
            }
            case Kind::Storage:
                cache_[e.addr].storage[e.key].current = e.prev;
                break;
            case Kind::Transient:
                transient_[{e.addr, e.key}] = e.prev;
                break;
            case Kind::WarmAccount:
                warm_accounts_.erase(e.addr);
                break;
            case Kind::WarmSlot:
                warm_slots_.erase({e.addr, e.key});
                break;
            case Kind::Created:
                cache_[e.addr].created = false;
                break;
            case Kind::Destructed:
                cache_[e.addr].destructed = false;
                break;
            case Kind::LogAdded:
                logs_.pop_back();
                break;
            case Kind::Blob:
                blobs_.erase(e.prev_code_hash);
                break;
        }
        journal_.pop_back();
    }
}

void State::delete_account(const Address& addr, Account& acc)
{
    acc.exists = false;
    acc.nonce = 0;
    acc.balance = {};
    acc.code_hash = kEmptyCodeHash;
    acc.code.reset();
    acc.code_dirty = false;
    acc.storage.clear();
    acc.storage_cleared = true;
    acc.backend_storage = 0;
    mark_dirty(addr);
}

void State::finalize_transaction()
{
    // Every account or slot that can need end-of-transaction work has a journal entry.
    for (const auto& e : journal_)
    {
        switch (e.kind)
        {
            case Kind::Storage:
            {
                auto& slot = cache_[e.addr].storage[e.key];
                slot.original = slot.current;
                break;
            }
            case Kind::Touch:
            case Kind::Destructed:
            case Kind::Created:
            {
                auto& acc = cache_[e.addr];
                const bool empty =
                    acc.nonce == 0 && !acc.balance && acc.code_hash == kEmptyCodeHash;
                if (acc.exists && (acc.destructed || (acc.touched && empty)))
                    delete_account(e.addr, acc);
                acc.touched = false;
                acc.created = false;
                acc.destructed = false;
                break;
            }
            default:
                break;
        }
    }
    journal_.clear();
    warm_accounts_.clear();
    warm_slots_.clear();
    transient_.clear();
    logs_.clear();
}

StateDiff State::commit()
{
    StateDiff diff;
    for (const auto& addr : dirty_)
    {
        auto& acc = cache_[addr];
        AccountDiff d;
        d.address = addr;
        if (!acc.exists)
        {
            d.deleted = true;
            acc.storage_cleared = false;
        }
        else
        {
            d.info = {acc.nonce, acc.balance, acc.code_hash};
            if (acc.code_dirty)
                d.code = acc.code;
            d.storage_cleared = acc.storage_cleared;
            for (auto& [key, slot] : acc.storage)
            {
                if (slot.dirty)
                    d.storage.emplace(key, slot.current);
                slot.dirty = false;
            }
            acc.code_dirty = false;
            acc.storage_cleared = false;
            acc.backend_storage = -1;
        }
        diff.accounts.emplace(addr, std::move(d));
    }
    dirty_.clear();
    diff.blobs = std::move(blobs_);
    blobs_.clear();
    return diff;
}

}  // namespace tern::state
