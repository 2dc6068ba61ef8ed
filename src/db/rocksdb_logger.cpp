#include "db/rocksdb_logger.hpp"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>

namespace tern::db {

std::shared_ptr<RocksDbLogger> RocksDbLogger::open(const std::string& file)
{
    int fd = -1;
    if (!file.empty())
    {
        std::error_code ec;
        if (std::filesystem::exists(file, ec))
        {
            timeval tv{};
            ::gettimeofday(&tv, nullptr);
            const auto micros = static_cast<unsigned long long>(tv.tv_sec) * 1'000'000ULL +
                                static_cast<unsigned long long>(tv.tv_usec);
            std::filesystem::rename(file, file + ".old." + std::to_string(micros), ec);
        }
        fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    return std::shared_ptr<RocksDbLogger>(new RocksDbLogger(fd));
}

RocksDbLogger::RocksDbLogger(int fd) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), fd_(fd)
{}

RocksDbLogger::~RocksDbLogger()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void RocksDbLogger::Logv(const char* format, va_list ap)
{
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void RocksDbLogger::Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap)
{
    const bool header = level == rocksdb::InfoLogLevel::HEADER_LEVEL;  // options dump at open
    if (fd_ < 0 || (!header && level < GetInfoLogLevel()))
        return;
    char line[4096];
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    std::tm tm{};
    const time_t seconds = tv.tv_sec;
    ::localtime_r(&seconds, &tm);
    int n = std::snprintf(line, sizeof(line), "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec, static_cast<long>(tv.tv_usec));
    const int prefix = n;
    va_list copy;
    va_copy(copy, ap);
    const int body =
        std::vsnprintf(line + n, sizeof(line) - static_cast<size_t>(n) - 1, format, copy);
    va_end(copy);
    if (body < 0)
        return;
    n = std::min<int>(n + body, static_cast<int>(sizeof(line)) - 2);
    if (n == 0 || line[n - 1] != '\n')
        line[n++] = '\n';
    (void)!::write(fd_, line, static_cast<size_t>(n));  // a line that cannot be written is lost
    if (!header && level >= rocksdb::InfoLogLevel::WARN_LEVEL)
        std::fprintf(stderr, "rocksdb: %.*s", n - prefix, line + prefix);
}

}  // namespace tern::db
