#include "filestorage/http_route.hpp"

#include "api/backend.hpp"
#include "core/hex.hpp"
#include "core/hex_digit.hpp"
#include "db/chain_db.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/file_system.hpp"
#include "filestorage/path.hpp"
#include "predeployed/store.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <string>

namespace tern::filestorage {

namespace {

rpc::HttpReply text(unsigned status, std::string body)
{
    rpc::HttpReply r;
    r.status = status;
    r.body = std::move(body);
    r.body += '\n';
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
}

/// Percent-decodes a URL path; nullopt for a malformed escape.
std::optional<std::string> decode(std::string_view in)
{
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i)
    {
        if (in[i] != '%')
        {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size())
            return std::nullopt;
        const int hi = hex_digit(in[i + 1]);
        const int lo = hex_digit(in[i + 2]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

/// One byte range of a file of `size` bytes: [first, last], or nullopt for "the whole file"
/// (no Range, a malformed one, or several: all of them are allowed to be ignored).
struct ByteRange
{
    uint64_t first = 0;
    uint64_t last = 0;
    bool unsatisfiable = false;
};

std::optional<uint64_t> number(std::string_view s)
{
    uint64_t v = 0;
    if (s.empty())
        return std::nullopt;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::optional<ByteRange> parse_range(std::string_view header, uint64_t size)
{
    constexpr std::string_view kUnit = "bytes=";
    if (!header.starts_with(kUnit))
        return std::nullopt;
    const std::string_view spec = header.substr(kUnit.size());
    if (spec.find(',') != std::string_view::npos)
        return std::nullopt;
    const size_t dash = spec.find('-');
    if (dash == std::string_view::npos)
        return std::nullopt;
    const std::string_view a = spec.substr(0, dash);
    const std::string_view b = spec.substr(dash + 1);
    ByteRange r;
    if (a.empty())
    {
        const auto suffix = number(b);
        if (!suffix)
            return std::nullopt;
        if (*suffix == 0 || size == 0)
        {
            r.unsatisfiable = true;
            return r;
        }
        r.first = size - std::min(*suffix, size);
        r.last = size - 1;
        return r;
    }
    const auto first = number(a);
    if (!first)
        return std::nullopt;
    std::optional<uint64_t> last;
    if (!b.empty())
    {
        last = number(b);
        if (!last || *last < *first)
            return std::nullopt;
    }
    if (*first >= size)
    {
        r.unsatisfiable = true;
        return r;
    }
    r.first = *first;
    r.last = std::min(last.value_or(size - 1), size - 1);
    return r;
}

/// True if If-None-Match `header` names `etag` (or is "*").
bool matches(std::string_view header, std::string_view etag)
{
    if (header.empty())
        return false;
    if (header == "*")
        return true;
    size_t start = 0;
    while (start < header.size())
    {
        size_t end = header.find(',', start);
        if (end == std::string_view::npos)
            end = header.size();
        std::string_view tag = header.substr(start, end - start);
        while (!tag.empty() && tag.front() == ' ')
            tag.remove_prefix(1);
        while (!tag.empty() && tag.back() == ' ')
            tag.remove_suffix(1);
        if (tag.starts_with("W/"))
            tag.remove_prefix(2);
        if (tag == etag)
            return true;
        start = end + 1;
    }
    return false;
}

struct Type
{
    std::string_view extension;
    std::string_view type;
};

constexpr Type kTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/vnd.microsoft.icon"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"ogg", "audio/ogg"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
};

nlohmann::json listing(FileSystem& fs,
                       const Address& owner,
                       std::string_view path,
                       const std::string& owner_hex)
{
    nlohmann::json out = nlohmann::json::array();
    auto entries = fs.list_directory(owner, path);
    if (!entries)
        return out;
    std::string base = owner_hex + "/";
    for (const auto part : split_path(path))
    {
        base += part;
        base += '/';
    }
    for (const auto& e : *entries)
    {
        nlohmann::json j;
        j["name"] = e.name;
        j["storagePath"] = base + e.name;
        j["isFile"] = e.is_file;
        if (e.is_file)
        {
            const auto uploaded =
                std::count(e.chunk_uploaded.begin(), e.chunk_uploaded.end(), true);
            j["size"] = e.size;
            j["status"] = static_cast<int>(e.status);
            j["uploadingProgress"] =
                e.chunk_uploaded.empty()
                    ? 100
                    : static_cast<int>(uploaded * 100 / static_cast<long>(e.chunk_uploaded.size()));
        }
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace

std::string_view content_type_of(std::string_view name)
{
    const size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == name.size())
        return "application/octet-stream";
    std::string ext(name.substr(dot + 1));
    for (auto& c : ext)
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const auto& t : kTypes)
        if (t.extension == ext)
            return t.type;
    return "application/octet-stream";
}

rpc::HttpReply serve_file(const state::StateReader& state, const rpc::HttpGet& get)
{
    std::string_view target = get.target;
    if (!target.starts_with(kHttpPrefix))
        return text(404, "not found");
    target.remove_prefix(kHttpPrefix.size());
    if (const size_t q = target.find_first_of("?#"); q != std::string_view::npos)
        target = target.substr(0, q);
    // <40 hex digits>[/<path>]
    const std::string_view owner_part = target.substr(0, std::min<size_t>(40, target.size()));
    std::string storage(owner_part);
    storage += '/';
    const std::string_view rest = target.substr(owner_part.size());
    if (!rest.empty() && rest.front() != '/')
        return text(400, "invalid owner address: expected 40 hex digits");
    const auto decoded = decode(rest.empty() ? rest : rest.substr(1));
    if (!decoded)
        return text(400, "malformed percent-encoding in the path");
    const auto sp = parse_storage_path(storage);
    if (!sp)
        return text(400, "invalid owner address: expected 40 hex digits");
    for (const auto part : split_path(*decoded))
        if (part == "." || part == "..")
            return text(400, "invalid path: \".\" and \"..\" are not names");

    predeployed::ReaderStore store{state, kFileStorageAddress};
    FileSystem fs{store};
    const auto entry = fs.find(sp->owner, *decoded);
    if (!entry)
        return text(404, "not found");
    std::string owner_hex = to_hex(sp->owner.view(), false);
    if (entry->kind == EntryKind::Directory)
    {
        rpc::HttpReply r;
        r.content_type = "application/json";
        r.body = listing(fs, sp->owner, *decoded, owner_hex).dump();
        r.headers.emplace_back("Cache-Control", "no-cache");
        return r;
    }
    if (entry->status != FileStatus::Completed)
        return text(404, "not found: the upload of this file is not finished");

    const std::string etag = "\"" + to_hex(entry->file_hash.view()) + "\"";
    rpc::HttpReply r;
    r.content_type = std::string(content_type_of(entry->name));
    r.headers.emplace_back("ETag", etag);
    r.headers.emplace_back("Accept-Ranges", "bytes");
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (matches(get.if_none_match, etag))
    {
        r.status = 304;
        return r;
    }
    uint64_t first = 0;
    uint64_t count = entry->size;
    if (const auto range = parse_range(get.range, entry->size))
    {
        if (range->unsatisfiable)
        {
            auto e = text(416, "range not satisfiable");
            e.headers.emplace_back("Content-Range", "bytes */" + std::to_string(entry->size));
            return e;
        }
        first = range->first;
        count = range->last - range->first + 1;
        r.status = 206;
        r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                                    std::to_string(range->last) + "/" +
                                                    std::to_string(entry->size));
    }
    // The body goes out a chunk at a time: a reader holds 1 MiB, not the file.
    r.content_length = count;
    r.stream = [&state, file = *entry, pos = first, end = first + count](std::string& out,
                                                                         bool& done) mutable {
        const uint64_t n = std::min(end - pos, kChunkSize - pos % kChunkSize);
        predeployed::ReaderStore store{state, kFileStorageAddress};
        if (!FileSystem{store}.append_range(file, pos, n, out))
            return false;  // a chunk is missing from the database
        pos += n;
        done = pos == end;
        return true;
    };
    return r;
}

std::string drain(rpc::HttpReply& reply)
{
    if (!reply.stream)
        return reply.body;
    std::string out;
    bool done = reply.content_length == 0;
    while (!done)
        if (!reply.stream(out, done))
            break;
    return out;
}

void add_http_routes(std::vector<rpc::HttpRoute>& routes,
                     api::Backend& backend,
                     const chain::ChainConfig&)
{
    routes.push_back({std::string(kHttpPrefix), [&backend](const rpc::HttpGet& get) {
                          std::shared_ptr<const db::StateView> head = backend.chain().head_state();
                          auto reply = serve_file(*head, get);
                          if (head->fault())
                              return text(500, "database read failed: " + head->fault()->message);
                          if (reply.stream)
                              // The stream reads the view it was made on: it keeps it.
                              reply.stream = [head, inner = std::move(reply.stream)](
                                                 std::string& out, bool& done) {
                                  return inner(out, done) && !head->fault();
                              };
                          return reply;
                      }});
}

}  // namespace tern::filestorage
