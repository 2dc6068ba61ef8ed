#pragma once

#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace tern::db {

/// RocksDB's info log, written with plain write(2) calls whose errors are ignored.
///
/// RocksDB's own file logger appends through a WritableFileWriter, which (in builds with
/// assertions, as Debian's librocksdb is) aborts the process when it is written again after a
/// failed write: on a full disk the first log line after the failure killed the node. This one
/// drops the lines that cannot be written and carries on. Lines of level WARN and above also go
/// to stderr (prefixed "rocksdb: "), so the operator sees background errors.
class RocksDbLogger final : public rocksdb::Logger
{
public:
    /// A logger appending to `file` (the previous one is renamed to `file`.old.<time>, as
    /// RocksDB does, and pruned by RocksDB's keep_log_file_num); "" logs nothing (an in-memory
    /// database).
    static std::shared_ptr<RocksDbLogger> open(const std::string& file);

    ~RocksDbLogger() override;
    RocksDbLogger(const RocksDbLogger&) = delete;
    RocksDbLogger& operator=(const RocksDbLogger&) = delete;

    /// A line at INFO level.
    void Logv(const char* format, va_list ap) override;
    /// A line at `level` (below GetInfoLogLevel(): dropped).
    void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override;

private:
    explicit RocksDbLogger(int fd);
    int fd_;  ///< -1: nothing is logged
};

}  // namespace tern::db
