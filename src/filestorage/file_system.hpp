#pragma once

// SKALE's FileStorage semantics (filestorage 1.0.1-beta.0, docs/filestorage.md) over a Store:
// per-owner directory trees, uploads in 1 MiB chunks, quotas charged in 4096-byte blocks, and
// the contract's revert strings. The precompile calls it for the ABI's functions; the HTTP
// route and `tern fs` read through it too.

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/uint256.hpp"
#include "predeployed/store.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::filestorage {

/// getFileStatus's values.
enum class FileStatus : uint8_t
{
    Nonexistent = 0,
    Uploading = 1,
    Completed = 2,
};

/// What an entry of a directory is.
enum class EntryKind : uint8_t
{
    None = 0,
    Directory = 1,
    File = 2,
};

/// Why a function refused: the contract's revert string, or a Solidity panic (checked
/// arithmetic: 0x11) where the contract would panic.
struct Failure
{
    std::string reason;
    uint64_t panic = 0;  ///< non-zero: Panic(panic) instead of Error(reason)
};

/// Success without a value.
struct Done
{};

template <typename T>
using FsResult = Result<T, Failure>;

/// One entry as listDirectory returns it (ContentInfo).
struct ListedEntry
{
    std::string name;
    bool is_file = false;
    uint64_t size = 0;
    FileStatus status = FileStatus::Nonexistent;
    std::vector<bool> chunk_uploaded;
};

/// An entry found by path (the HTTP route and readers).
struct FoundEntry
{
    EntryKind kind = EntryKind::None;
    FileStatus status = FileStatus::Nonexistent;
    uint64_t size = 0;
    std::string name;
    U256 slot;          ///< layout::entry_slot
    Hash256 file_hash;  ///< completed files: keccak of the chunk hashes
};

/// The file system of the FileStorage account, over `store` (which outlives it).
class FileSystem
{
public:
    explicit FileSystem(predeployed::Store& store) noexcept : store_(store) {}

    // ---- writes (msg.sender's namespace) ----

    /// reserveSpace(user, amount) once the caller's ALLOCATOR_ROLE is checked.
    FsResult<Done> reserve_space(const Address& user, const U256& amount);
    FsResult<Done> create_directory(const Address& owner, std::string_view path);
    FsResult<Done> delete_directory(const Address& owner, std::string_view path);
    FsResult<Done> start_upload(const Address& owner, std::string_view path, const U256& size);
    FsResult<Done> upload_chunk(const Address& owner,
                                std::string_view path,
                                const U256& position,
                                BytesView data);
    FsResult<Done> finish_upload(const Address& owner, std::string_view path);
    FsResult<Done> delete_file(const Address& owner, std::string_view path);

    // ---- reads (anyone's namespace) ----

    /// readChunk: `length` bytes from `position` of a completed file.
    FsResult<Bytes> read_chunk(const Address& owner,
                               std::string_view path,
                               const U256& position,
                               const U256& length);
    FsResult<std::vector<ListedEntry>> list_directory(const Address& owner, std::string_view path);
    FileStatus file_status(const Address& owner, std::string_view path);
    FsResult<uint64_t> file_size(const Address& owner, std::string_view path);
    U256 reserved_space(const Address& owner);
    U256 occupied_space(const Address& owner);
    U256 total_space();
    U256 total_reserved_space();

    /// The entry at `path` of `owner` ("" or a trailing "/" name directories the same way;
    /// the root directory is always found), or nullopt.
    std::optional<FoundEntry> find(const Address& owner, std::string_view path);
    /// Bytes [offset, offset + len) of the file `entry` (found by find, a file); nullopt if
    /// a chunk is missing from the blob store (a damaged database) or the range is outside it.
    std::optional<Bytes> read_range(const FoundEntry& entry, uint64_t offset, uint64_t len);
    /// read_range() appended to `out` (the HTTP route's body, with no copy in between); false
    /// where read_range() gives nullopt (`out` then holds part of it).
    bool append_range(const FoundEntry& entry, uint64_t offset, uint64_t len, std::string& out);
    /// The blob hashes of a file's chunks (zero where not uploaded).
    std::vector<Hash256> chunk_hashes(const FoundEntry& entry);
    /// Calls `visit` with the hash of every uploaded chunk of every file of every owner (in
    /// owners-list order, then directory order, depth first): the blobs the state refers to.
    void for_each_chunk(const std::function<void(const Hash256&)>& visit);

private:
    struct Header
    {
        EntryKind kind = EntryKind::None;
        FileStatus status = FileStatus::Nonexistent;
        uint16_t name_length = 0;
        uint32_t index = 0;  ///< 1-based position in its directory's list
        uint64_t size = 0;
    };
    /// Where a path's last component goes: its directory and its name.
    struct Place
    {
        U256 dir;              ///< entry slot of the directory
        std::string prefix;    ///< the directory's path ("" for the root)
        bool in_file = false;  ///< the "directory" is a file: it lists nothing, creates fail
        std::string_view name;
        std::string path;  ///< prefix/name
        U256 entry;        ///< layout::entry_slot of `path`
    };

    Header header(const U256& slot);
    void set_header(const U256& slot, const Header& h);
    std::string name_of(const U256& slot, uint16_t length);
    /// Walks the components before the last one; "Invalid path" if one is missing.
    FsResult<Place> place(const Address& owner, std::string_view path);
    /// place() and the entry there; "Invalid path" if it does not exist.
    FsResult<std::pair<Place, Header>> existing(const Address& owner, std::string_view path);
    /// SKALE's checks of a new entry at `path`, in its order: the parents ("Invalid path"),
    /// room ("Directory is full"), the name free ("File or directory exists"), a valid name
    /// (`bad_name`), a directory to hold it (`not_created`).
    FsResult<Place> new_entry(const Address& owner,
                              std::string_view path,
                              const char* bad_name,
                              const char* not_created);
    void add_entry(const Place& p, const Header& h);
    /// Chunk `c`'s blob hash in the file whose entry slot is `entry` (zero: not uploaded).
    U256 chunk_hash(const U256& entry, uint64_t c);
    std::vector<Hash256> chunk_hashes(const U256& entry, uint64_t size);
    /// `owner`'s occupied space with `bytes` more: "Not enough reserved space" past the
    /// reservation, a panic where the contract's addition overflows.
    FsResult<U256> occupied_with(const Address& owner, const U256& bytes);
    /// Takes `bytes` off `owner`'s occupied space.
    void release_space(const Address& owner, const U256& bytes);
    void walk(const U256& dir, const std::function<void(const Hash256&)>& visit, int depth);
    /// Calls `piece` with each part of [offset, offset + len) of `entry`, chunk by chunk.
    bool for_each_piece(const FoundEntry& entry,
                        uint64_t offset,
                        uint64_t len,
                        const std::function<void(const uint8_t*, size_t)>& piece);
    /// Removes the entry at `p` from its directory (the last one takes its place) and clears
    /// its words: header, name, and `extra` words from kCount on.
    void remove_entry(const Place& p, const Header& h, uint64_t extra);

    predeployed::Store& store_;
};

/// Space a file of `size` bytes takes: ceil(size / 4096) * 4096, 4096 for an empty file
/// (nullopt where the contract's arithmetic overflows).
std::optional<U256> file_space(const U256& size);

}  // namespace tern::filestorage
