#include "filestorage/path.hpp"

#include "core/hex_digit.hpp"
#include "filestorage/constants.hpp"

namespace tern::filestorage {

namespace {

constexpr size_t kOwnerHexDigits = 40;

}  // namespace

std::optional<StoragePath> parse_storage_path(std::string_view storage_path)
{
    if (storage_path.size() <= kOwnerHexDigits || storage_path[kOwnerHexDigits] != '/')
        return std::nullopt;
    StoragePath out;
    for (size_t i = 0; i < 20; ++i)
    {
        const int hi = hex_digit(storage_path[2 * i]);
        const int lo = hex_digit(storage_path[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out.owner.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    out.path = storage_path.substr(kOwnerHexDigits + 1);
    return out;
}

std::vector<std::string_view> split_path(std::string_view path)
{
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true)
    {
        const size_t slash = path.find('/', start);
        if (slash == std::string_view::npos)
        {
            parts.push_back(path.substr(start));
            break;
        }
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    if (parts.back().empty())
        parts.pop_back();
    return parts;
}

bool valid_name(std::string_view name) noexcept
{
    return !name.empty() && name.size() <= kMaxNameLength && name != "." && name != "..";
}

}  // namespace tern::filestorage
