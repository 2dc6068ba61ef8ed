#pragma once

#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "state/account.hpp"

namespace tern::state {
class State;
class StateReader;
}  // namespace tern::state

namespace tern::filestorage {

/// The storage of the FileStorage account and the blob store, as the file system reads and
/// writes them: the journaled State inside a transaction (StateStore), or a committed state
/// for the HTTP route and other readers (ReaderStore). Counts what it does, for gas.
class Store
{
public:
    virtual ~Store() = default;

    /// Slot `key` of the FileStorage account.
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

/// The Store of a transaction: the FileStorage account in the journaled `state`.
class StateStore final : public Store
{
public:
    explicit StateStore(state::State& state) noexcept : state_(state) {}
    U256 get(const U256& key) const override;
    void set(const U256& key, const U256& value) override;
    state::CodePtr blob(const Hash256& hash) const override;
    Hash256 put_blob(Bytes data) override;

private:
    state::State& state_;
};

/// A read-only Store over a committed state (`reader` outlives it).
class ReaderStore final : public Store
{
public:
    explicit ReaderStore(const state::StateReader& reader) noexcept : reader_(reader) {}
    U256 get(const U256& key) const override;
    void set(const U256& key, const U256& value) override;
    state::CodePtr blob(const Hash256& hash) const override;
    Hash256 put_blob(Bytes data) override;

private:
    const state::StateReader& reader_;
};

}  // namespace tern::filestorage
