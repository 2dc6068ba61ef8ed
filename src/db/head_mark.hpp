#pragma once

#include "core/bytes.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace tern::db {

/// The newest block the ChainDb acknowledged (its commit_block returned).
struct HeadMark
{
    uint64_t number = 0;
    Hash256 hash;
};

/// A one-line file beside the database (TERN-HEAD) holding the last acknowledged head,
/// rewritten in place after every commit. It lives outside RocksDB's write-ahead log, so when
/// a recovery goes back past an acknowledged block (a damaged WAL record that RocksDB took for
/// a torn tail, writes lost to a power cut), the mark still names the block that had been
/// reached. The line carries its own checksum; a damaged mark reads as an error, not as a
/// block.
///
/// Not synced: after a kill -9 the mark is at most one block behind the database (never ahead:
/// it is written after the batch), so it never raises a false alarm; after a power cut
/// without sync_writes it may be ahead of what survived, which is exactly the loss to report.
class HeadMarkFile
{
public:
    /// The file name inside the database directory.
    static constexpr const char* kFileName = "TERN-HEAD";

    /// Reads the mark at `path`: nullopt when there is no file; an error when it cannot be
    /// read or does not check.
    static Result<std::optional<HeadMark>, std::string> read(const std::string& path);

    /// Opens (creating) the file at `path` for rewriting; an error message if it cannot.
    static Result<HeadMarkFile, std::string> open(const std::string& path);

    /// No file.
    HeadMarkFile() = default;
    ~HeadMarkFile();
    HeadMarkFile(HeadMarkFile&& other) noexcept;
    HeadMarkFile& operator=(HeadMarkFile&& other) noexcept;
    HeadMarkFile(const HeadMarkFile&) = delete;
    HeadMarkFile& operator=(const HeadMarkFile&) = delete;

    /// Overwrites the mark with one write of a fixed-size line (no fsync). False if it failed
    /// (the previous mark may then remain: it is never ahead of the database).
    bool write(const HeadMark& mark) noexcept;

    /// True when a file is open.
    bool is_open() const noexcept { return fd_ >= 0; }

    /// The line written for `mark` (its checksum included); for tests.
    static std::string format(const HeadMark& mark);

private:
    explicit HeadMarkFile(int fd) noexcept : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace tern::db
