#pragma once

// The storage of one native predeploy's account (and the chain's blob store), as its contract
// code reads and writes it: the journaled State inside a transaction (StateStore), a committed
// state for readers outside one (ReaderStore), or a map that becomes the account's genesis
// storage (GenesisStore). Counts what it does, for gas.

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "state/account.hpp"

#include <map>

namespace tern::state {
class State;
class StateReader;
}  // namespace tern::state

namespace tern::predeployed {

/// Slots of one account and the blob store.
class Store
{
public:
    virtual ~Store() = default;

    /// Slot `key` of the account.
    virtual U256 get(const U256& key) const = 0;
    /// Sets slot `key` (a ReaderStore never gets here: read-only callers do not write).
    virtual void set(const U256& key, const U256& value) = 0;
    /// The blob with `hash`, null if unknown.
    virtual state::CodePtr blob(const Hash256& hash) const = 0;
    /// Stores `data` as a blob; its keccak hash.
    virtual Hash256 put_blob(Bytes data) = 0;

    /// Slots read and written, and blob bytes hashed, stored or read so far.
    uint64_t reads() const noexcept { return reads_; }
    uint64_t writes() const noexcept { return writes_; }
    uint64_t blob_bytes() const noexcept { return blob_bytes_; }

protected:
    mutable uint64_t reads_ = 0;
    uint64_t writes_ = 0;
    mutable uint64_t blob_bytes_ = 0;
};

/// The Store of a transaction: `account` in the journaled `state`.
class StateStore final : public Store
{
public:
    StateStore(state::State& state, const Address& account) noexcept
        : state_(state), account_(account)
    {}
    U256 get(const U256& key) const override;
    void set(const U256& key, const U256& value) override;
    state::CodePtr blob(const Hash256& hash) const override;
    Hash256 put_blob(Bytes data) override;

private:
    state::State& state_;
    Address account_;
};

/// A read-only Store of `account` over a committed state (`reader` outlives it).
class ReaderStore final : public Store
{
public:
    ReaderStore(const state::StateReader& reader, const Address& account) noexcept
        : reader_(reader), account_(account)
    {}
    U256 get(const U256& key) const override;
    void set(const U256& key, const U256& value) override;
    state::CodePtr blob(const Hash256& hash) const override;
    Hash256 put_blob(Bytes data) override;

private:
    const state::StateReader& reader_;
    Address account_;
};

/// Records the slots written: the genesis storage of a predeploy (no blobs).
class GenesisStore final : public Store
{
public:
    U256 get(const U256& key) const override;
    void set(const U256& key, const U256& value) override;
    state::CodePtr blob(const Hash256&) const override { return nullptr; }
    Hash256 put_blob(Bytes) override { return {}; }
    /// The slots with non-zero values, in key order.
    std::vector<std::pair<U256, U256>> storage() const;

private:
    std::map<U256, U256> slots_;
};

}  // namespace tern::predeployed
