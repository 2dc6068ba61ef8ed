#include "db/head_mark.hpp"

#include "core/hex.hpp"
#include "core/keccak.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

namespace tern::db {
namespace {

constexpr std::string_view kMagic = "tern-head-mark 1 ";
/// magic, 20 digits, space, 0x + 64 hex, space, 16 hex check, newline.
constexpr size_t kLineSize = kMagic.size() + 20 + 1 + 66 + 1 + 16 + 1;

/// First 8 bytes of keccak256(text), as 16 hex digits.
std::string check_of(std::string_view text)
{
    const Hash256 h =
        keccak256(BytesView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    return to_hex(BytesView(h.data(), 8), false);
}

}  // namespace

std::string HeadMarkFile::format(const HeadMark& mark)
{
    char number[21];
    std::snprintf(number, sizeof(number), "%020" PRIu64, mark.number);
    std::string line = std::string(kMagic) + number + " " + to_hex(mark.hash.view()) + " ";
    line += check_of(line);
    line += '\n';
    return line;
}

Result<std::optional<HeadMark>, std::string> HeadMarkFile::read(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
    {
        if (errno == ENOENT)
            return std::optional<HeadMark>{};
        return "cannot read " + path + ": " + std::strerror(errno);
    }
    char buf[kLineSize + 1];
    const ssize_t n = ::pread(fd, buf, sizeof(buf), 0);
    ::close(fd);
    const std::string damaged = path + " is damaged";
    if (n != static_cast<ssize_t>(kLineSize))
        return damaged;
    const std::string_view line(buf, kLineSize);
    const size_t check_at = kLineSize - 17;
    if (!line.starts_with(kMagic) || line.back() != '\n' ||
        check_of(line.substr(0, check_at)) != line.substr(check_at, 16))
        return damaged;
    HeadMark mark;
    for (const char c : line.substr(kMagic.size(), 20))
    {
        if (c < '0' || c > '9')
            return damaged;
        mark.number = mark.number * 10 + static_cast<uint64_t>(c - '0');
    }
    const auto hash = fixed_from_hex<Hash256>(line.substr(kMagic.size() + 21, 66));
    if (!hash)
        return damaged;
    mark.hash = *hash;
    return std::optional<HeadMark>{mark};
}

Result<HeadMarkFile, std::string> HeadMarkFile::open(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return "cannot write " + path + ": " + std::strerror(errno);
    struct stat st
    {};
    if (::fstat(fd, &st) == 0 && st.st_size > static_cast<off_t>(kLineSize))
        (void)!::ftruncate(fd, static_cast<off_t>(kLineSize));  // a longer foreign file
    return HeadMarkFile(fd);
}

HeadMarkFile::~HeadMarkFile()
{
    if (fd_ >= 0)
        ::close(fd_);
}

HeadMarkFile::HeadMarkFile(HeadMarkFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

HeadMarkFile& HeadMarkFile::operator=(HeadMarkFile&& other) noexcept
{
    if (this != &other)
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

bool HeadMarkFile::write(const HeadMark& mark) noexcept
{
    if (fd_ < 0)
        return false;
    try
    {
        const std::string line = format(mark);
        return ::pwrite(fd_, line.data(), line.size(), 0) == static_cast<ssize_t>(line.size());
    }
    catch (...)
    {
        return false;
    }
}

}  // namespace tern::db
