#include "filestorage/file_system.hpp"

#include "core/keccak.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/layout.hpp"
#include "filestorage/path.hpp"

#include <algorithm>
#include <cstring>

namespace tern::filestorage {

namespace {

constexpr uint64_t kNameWords = 8;
constexpr uint64_t kPanicArithmetic = 0x11;

Failure fail(std::string reason)
{
    return Failure{std::move(reason), 0};
}

Failure panic(uint64_t code)
{
    return Failure{{}, code};
}

U256 at(const U256& slot, uint64_t offset)
{
    return slot + U256{offset};
}

std::string join(std::string_view prefix, std::string_view name)
{
    std::string out(prefix);
    if (!out.empty())
        out += '/';
    out += name;
    return out;
}

uint64_t chunk_count(uint64_t size)
{
    return (size + kChunkSize - 1) / kChunkSize;
}

/// a + b, or nullopt where Solidity's checked addition panics.
std::optional<U256> add(const U256& a, const U256& b)
{
    const U256 s = a + b;
    if (s < a)
        return std::nullopt;
    return s;
}

const U256 kFsBlock{kFsBlockSize};

}  // namespace

std::optional<U256> file_space(const U256& size)
{
    if (!size)
        return kFsBlock;
    const U256 blocks = size / kFsBlock + U256{size % kFsBlock ? 1u : 0u};
    if (blocks > (~U256{}) / kFsBlock)
        return std::nullopt;
    return blocks * kFsBlock;
}

// ---- entries ----

FileSystem::Header FileSystem::header(const U256& slot)
{
    const U256 w = store_.get(at(slot, layout::kHeader));
    Header h;
    const uint64_t low = w.low64();
    h.kind = static_cast<EntryKind>(low & 0xff);
    h.status = static_cast<FileStatus>((low >> 8) & 0xff);
    h.name_length = static_cast<uint16_t>((low >> 16) & 0xffff);
    h.index = static_cast<uint32_t>(low >> 32);
    h.size = w.w[1];
    return h;
}

void FileSystem::set_header(const U256& slot, const Header& h)
{
    U256 w;
    if (h.kind != EntryKind::None)
    {
        w.w[0] = static_cast<uint64_t>(h.kind) | (static_cast<uint64_t>(h.status) << 8) |
                 (static_cast<uint64_t>(h.name_length) << 16) |
                 (static_cast<uint64_t>(h.index) << 32);
        w.w[1] = h.size;
    }
    store_.set(at(slot, layout::kHeader), w);
}

std::string FileSystem::name_of(const U256& slot, uint16_t length)
{
    std::string out;
    out.reserve(length);
    uint8_t word[32];
    for (uint64_t i = 0; i * 32 < length && i < kNameWords; ++i)
    {
        store_.get(at(slot, layout::kName + i)).to_be_bytes(word);
        const size_t n = std::min<size_t>(32, length - i * 32);
        out.append(reinterpret_cast<const char*>(word), n);
    }
    return out;
}

FsResult<FileSystem::Place> FileSystem::place(const Address& owner, std::string_view path)
{
    const auto parts = split_path(path);
    Place p;
    p.dir = layout::entry_slot(owner, "");
    for (size_t i = 0; i + 1 < parts.size(); ++i)
    {
        if (p.in_file)
            return fail("Invalid path");  // a file lists nothing
        std::string child = join(p.prefix, parts[i]);
        const U256 slot = layout::entry_slot(owner, child);
        const Header h = header(slot);
        if (h.kind == EntryKind::None || parts[i].empty())
            return fail("Invalid path");
        p.in_file = h.kind == EntryKind::File;
        p.dir = slot;
        p.prefix = std::move(child);
    }
    p.name = parts.empty() ? std::string_view{} : parts.back();
    p.path = join(p.prefix, p.name);
    p.entry = layout::entry_slot(owner, p.path);
    return p;
}

FsResult<std::pair<FileSystem::Place, FileSystem::Header>> FileSystem::existing(
    const Address& owner,
    std::string_view path)
{
    auto p = place(owner, path);
    if (!p)
        return p.error();
    if (p->in_file || p->name.empty())
        return fail("Invalid path");
    const Header h = header(p->entry);
    if (h.kind == EntryKind::None)
        return fail("Invalid path");
    return std::pair{std::move(*p), h};
}

FsResult<FileSystem::Place> FileSystem::new_entry(const Address& owner,
                                                  std::string_view path,
                                                  const char* bad_name,
                                                  const char* not_created)
{
    auto p = place(owner, path);
    if (!p)
        return p.error();
    if (!p->in_file && store_.get(at(p->dir, layout::kCount)) >= U256{kMaxContentCount})
        return fail("Directory is full");
    if (!p->in_file && !p->name.empty() && header(p->entry).kind != EntryKind::None)
        return fail("File or directory exists");
    if (!valid_name(p->name))
        return fail(bad_name);
    if (p->in_file)
        return fail(not_created);  // nothing is created inside a file
    return p;
}

void FileSystem::add_entry(const Place& p, const Header& h_in)
{
    const U256 dir_count = at(p.dir, layout::kCount);
    const uint64_t n = store_.get(dir_count).low64();
    Header h = h_in;
    h.index = static_cast<uint32_t>(n + 1);
    h.name_length = static_cast<uint16_t>(p.name.size());
    set_header(p.entry, h);
    uint8_t word[32];
    for (uint64_t i = 0; i * 32 < p.name.size(); ++i)
    {
        std::memset(word, 0, sizeof word);
        const size_t len = std::min<size_t>(32, p.name.size() - i * 32);
        std::memcpy(word, p.name.data() + i * 32, len);
        store_.set(at(p.entry, layout::kName + i), U256::from_be_bytes(word, 32));
    }
    store_.set(layout::list_slot(p.dir, n), p.entry);
    store_.set(dir_count, U256{n + 1});
}

void FileSystem::remove_entry(const Place& p, const Header& h, uint64_t extra)
{
    const U256 dir_count = at(p.dir, layout::kCount);
    const uint64_t n = store_.get(dir_count).low64();
    const uint64_t idx = h.index;  // 1-based
    if (idx != n)
    {
        // The last entry takes the removed one's place (SKALE's swap-and-pop order).
        const U256 last = store_.get(layout::list_slot(p.dir, n - 1));
        store_.set(layout::list_slot(p.dir, idx - 1), last);
        Header lh = header(last);
        lh.index = static_cast<uint32_t>(idx);
        set_header(last, lh);
    }
    store_.set(layout::list_slot(p.dir, n - 1), U256{});
    store_.set(dir_count, U256{n - 1});
    set_header(p.entry, Header{});
    for (uint64_t i = 0; i * 32 < h.name_length && i < kNameWords; ++i)
        store_.set(at(p.entry, layout::kName + i), U256{});
    for (uint64_t i = 0; i < extra; ++i)
        store_.set(at(p.entry, layout::kCount + i), U256{});
}

// ---- writes ----

FsResult<Done> FileSystem::reserve_space(const Address& user, const U256& amount)
{
    const U256 occupied = store_.get(layout::occupied_slot(user));
    if (occupied > amount)
        return fail("Could not reserve less than used space");
    const U256 old = store_.get(layout::reserved_slot(user));
    const U256 total = store_.get(layout::total_reserved_slot());
    // The total without the user's old reservation, plus the new one (1.1.0's check: 1.0.1-beta.0
    // counted the old reservation twice).
    const auto next = add(total - old, amount);
    if (!next)
        return panic(kPanicArithmetic);
    if (*next > total_space())
        return fail("Not enough memory in the Filestorage");
    store_.set(layout::reserved_slot(user), amount);
    store_.set(layout::total_reserved_slot(), *next);
    if (!store_.get(layout::owner_index_slot(user)))
    {
        const uint64_t n = store_.get(layout::owners_slot()).low64();
        store_.set(layout::owner_slot(n), U256::from_address(user));
        store_.set(layout::owner_index_slot(user), U256{n + 1});
        store_.set(layout::owners_slot(), U256{n + 1});
    }
    return Done{};
}

FsResult<Done> FileSystem::create_directory(const Address& owner, std::string_view path)
{
    const auto needed = occupied_with(owner, kFsBlock);
    if (!needed)
        return needed.error();
    if (path.empty())
        return fail("Invalid path");
    auto p = new_entry(owner, path, "Invalid directory name", "Directory not created");
    if (!p)
        return p.error();
    Header h;
    h.kind = EntryKind::Directory;
    add_entry(*p, h);
    store_.set(layout::occupied_slot(owner), *needed);
    return Done{};
}

FsResult<Done> FileSystem::delete_directory(const Address& owner, std::string_view path)
{
    auto e = existing(owner, path);
    if (!e)
        return e.error();
    const auto& [p, h] = *e;
    if (h.kind == EntryKind::Directory && store_.get(at(p.entry, layout::kCount)))
        return fail("Directory is not empty");
    if (h.kind != EntryKind::Directory)
        return fail("Directory is not deleted");
    remove_entry(p, h, 1);
    release_space(owner, kFsBlock);
    return Done{};
}

FsResult<Done> FileSystem::start_upload(const Address& owner,
                                        std::string_view path,
                                        const U256& size)
{
    const auto space = file_space(size);
    if (!space)
        return panic(kPanicArithmetic);
    if (size > U256{kMaxFileSize})
        return fail("File should be less than 100 MB");
    const auto needed = occupied_with(owner, *space);
    if (!needed)
        return needed.error();
    auto p = new_entry(owner, path, "Filename should be < 256", "File not created");
    if (!p)
        return p.error();
    Header h;
    h.kind = EntryKind::File;
    h.status = FileStatus::Uploading;
    h.size = size.low64();
    add_entry(*p, h);
    store_.set(layout::occupied_slot(owner), *needed);
    return Done{};
}

FsResult<Done> FileSystem::upload_chunk(const Address& owner,
                                        std::string_view path,
                                        const U256& position,
                                        BytesView data)
{
    auto e = existing(owner, path);
    if (!e)
        return e.error();
    const auto& [p, h] = *e;
    if (h.status != FileStatus::Uploading)
        return fail("File not found");
    const U256 size{h.size};
    if (position % U256{kChunkSize} || position >= size)
        return fail("Incorrect chunk position");
    const uint64_t pos = position.low64();
    const uint64_t rest = h.size - pos;
    if (!((rest < kChunkSize && data.size() == rest) || data.size() == kChunkSize))
        return fail("Incorrect chunk length");
    const U256 chunk_slot = at(p.entry, layout::kChunks + pos / kChunkSize);
    if (store_.get(chunk_slot))
        return fail("Chunk is already uploaded");
    if (data.size() > rest)
        return fail("Chunk wasn't uploaded");  // a full chunk past the end of the file
    const Hash256 hash = store_.put_blob(to_bytes(data));
    store_.set(chunk_slot, U256::from_hash(hash));
    const U256 count_slot = at(p.entry, layout::kCount);
    store_.set(count_slot, store_.get(count_slot) + U256{1});
    return Done{};
}

FsResult<Done> FileSystem::finish_upload(const Address& owner, std::string_view path)
{
    auto e = existing(owner, path);
    if (!e)
        return e.error();
    auto& [p, h] = *e;
    if (h.status != FileStatus::Uploading)
        return fail("File not found");
    if (store_.get(at(p.entry, layout::kCount)) != U256{chunk_count(h.size)})
        return fail("File hasn't been uploaded correctly");
    const auto hashes = chunk_hashes(p.entry, h.size);
    static_assert(sizeof(Hash256) == 32);
    const BytesView all{reinterpret_cast<const uint8_t*>(hashes.data()), hashes.size() * 32};
    store_.set(at(p.entry, layout::kFileHash), U256::from_hash(keccak256(all)));
    h.status = FileStatus::Completed;
    set_header(p.entry, h);
    return Done{};
}

FsResult<Done> FileSystem::delete_file(const Address& owner, std::string_view path)
{
    auto e = existing(owner, path);
    if (!e)
        return e.error();
    const auto& [p, h] = *e;
    if (h.status == FileStatus::Nonexistent)
        return fail("File not exists");
    remove_entry(p, h, layout::kChunks - layout::kCount + chunk_count(h.size));
    release_space(owner, *file_space(U256{h.size}));
    return Done{};
}

// ---- reads ----

FsResult<Bytes> FileSystem::read_chunk(const Address& owner,
                                       std::string_view path,
                                       const U256& position,
                                       const U256& length)
{
    auto e = existing(owner, path);
    if (!e)
        return e.error();
    const auto& [p, h] = *e;
    if (h.status != FileStatus::Completed)
        return fail("File hasn't been uploaded");
    if (length > U256{kChunkSize} || !length)
        return fail("Incorrect chunk length");
    const auto end = add(position, length);
    if (!end)
        return panic(kPanicArithmetic);
    if (*end > U256{h.size})
        return fail("Incorrect chunk position");
    FoundEntry f;
    f.kind = h.kind;
    f.status = h.status;
    f.size = h.size;
    f.slot = p.entry;
    auto bytes = read_range(f, position.low64(), length.low64());
    if (!bytes)
        return fail("Chunk wasn't read");
    return std::move(*bytes);
}

FsResult<std::vector<ListedEntry>> FileSystem::list_directory(const Address& owner,
                                                              std::string_view path)
{
    U256 dir = layout::entry_slot(owner, "");
    std::string prefix;
    bool in_file = false;
    for (const auto part : split_path(path))
    {
        if (in_file || part.empty())
            return fail("Invalid path");
        prefix = join(prefix, part);
        dir = layout::entry_slot(owner, prefix);
        const Header h = header(dir);
        if (h.kind == EntryKind::None)
            return fail("Invalid path");
        in_file = h.kind == EntryKind::File;
    }
    std::vector<ListedEntry> out;
    if (in_file)
        return out;
    const uint64_t n = store_.get(at(dir, layout::kCount)).low64();
    out.reserve(n);
    for (uint64_t i = 0; i < n; ++i)
    {
        const U256 entry = store_.get(layout::list_slot(dir, i));
        const Header h = header(entry);
        ListedEntry le;
        le.name = name_of(entry, h.name_length);
        le.is_file = h.kind == EntryKind::File;
        le.size = h.size;
        le.status = h.status;
        if (le.is_file)
        {
            const uint64_t chunks = chunk_count(h.size);
            le.chunk_uploaded.resize(chunks);
            for (uint64_t c = 0; c < chunks; ++c)
                le.chunk_uploaded[c] = static_cast<bool>(chunk_hash(entry, c));
        }
        out.push_back(std::move(le));
    }
    return out;
}

FileStatus FileSystem::file_status(const Address& owner, std::string_view path)
{
    auto e = existing(owner, path);
    if (!e)
        return FileStatus::Nonexistent;
    return e->second.status;
}

FsResult<uint64_t> FileSystem::file_size(const Address& owner, std::string_view path)
{
    auto e = existing(owner, path);
    if (!e)
        return e.error();
    const Header& h = e->second;
    if (h.status != FileStatus::Uploading && h.status != FileStatus::Completed)
        return fail("File not found");
    return h.size;
}

U256 FileSystem::reserved_space(const Address& owner)
{
    return store_.get(layout::reserved_slot(owner));
}

U256 FileSystem::occupied_space(const Address& owner)
{
    return store_.get(layout::occupied_slot(owner));
}

U256 FileSystem::total_space()
{
    return store_.get(layout::storage_space_slot());
}

U256 FileSystem::total_reserved_space()
{
    return store_.get(layout::total_reserved_slot());
}

std::optional<FoundEntry> FileSystem::find(const Address& owner, std::string_view path)
{
    FoundEntry f;
    if (split_path(path).empty())
    {
        f.kind = EntryKind::Directory;
        f.slot = layout::entry_slot(owner, "");
        return f;
    }
    auto e = existing(owner, path);
    if (!e)
        return std::nullopt;
    const auto& [p, h] = *e;
    f.kind = h.kind;
    f.status = h.status;
    f.size = h.size;
    f.name = std::string(p.name);
    f.slot = p.entry;
    if (h.kind == EntryKind::File && h.status == FileStatus::Completed)
        f.file_hash = store_.get(at(p.entry, layout::kFileHash)).to_hash();
    return f;
}

bool FileSystem::for_each_piece(const FoundEntry& entry,
                                uint64_t offset,
                                uint64_t len,
                                const std::function<void(const uint8_t*, size_t)>& piece)
{
    if (entry.kind != EntryKind::File || offset > entry.size || len > entry.size - offset)
        return false;
    uint64_t pos = offset;
    while (pos < offset + len)
    {
        const uint64_t c = pos / kChunkSize;
        const auto blob = store_.blob(chunk_hash(entry.slot, c).to_hash());
        const uint64_t chunk_start = c * kChunkSize;
        const uint64_t expected = std::min(kChunkSize, entry.size - chunk_start);
        if (!blob || blob->size() != expected)
            return false;
        const uint64_t from = pos - chunk_start;
        const uint64_t n = std::min(expected - from, offset + len - pos);
        piece(blob->data() + from, n);
        pos += n;
    }
    return true;
}

std::optional<Bytes> FileSystem::read_range(const FoundEntry& entry, uint64_t offset, uint64_t len)
{
    Bytes out;
    out.reserve(len);
    if (!for_each_piece(entry, offset, len,
                        [&](const uint8_t* p, size_t n) { out.insert(out.end(), p, p + n); }))
        return std::nullopt;
    return out;
}

bool FileSystem::append_range(const FoundEntry& entry,
                              uint64_t offset,
                              uint64_t len,
                              std::string& out)
{
    out.reserve(out.size() + len);
    return for_each_piece(entry, offset, len, [&](const uint8_t* p, size_t n) {
        out.append(reinterpret_cast<const char*>(p), n);
    });
}

std::vector<Hash256> FileSystem::chunk_hashes(const FoundEntry& entry)
{
    if (entry.kind != EntryKind::File)
        return {};
    return chunk_hashes(entry.slot, entry.size);
}

std::vector<Hash256> FileSystem::chunk_hashes(const U256& entry, uint64_t size)
{
    std::vector<Hash256> out;
    out.reserve(chunk_count(size));
    for (uint64_t c = 0; c < chunk_count(size); ++c)
        out.push_back(chunk_hash(entry, c).to_hash());
    return out;
}

U256 FileSystem::chunk_hash(const U256& entry, uint64_t c)
{
    return store_.get(at(entry, layout::kChunks + c));
}

FsResult<U256> FileSystem::occupied_with(const Address& owner, const U256& bytes)
{
    const auto needed = add(bytes, store_.get(layout::occupied_slot(owner)));
    if (!needed)
        return panic(kPanicArithmetic);
    if (*needed > reserved_space(owner))
        return fail("Not enough reserved space");
    return *needed;
}

void FileSystem::release_space(const Address& owner, const U256& bytes)
{
    const U256 occupied = store_.get(layout::occupied_slot(owner));
    store_.set(layout::occupied_slot(owner), occupied - bytes);
}

void FileSystem::for_each_chunk(const std::function<void(const Hash256&)>& visit)
{
    const uint64_t owners = store_.get(layout::owners_slot()).low64();
    for (uint64_t i = 0; i < owners; ++i)
    {
        const Address owner = store_.get(layout::owner_slot(i)).to_address();
        walk(layout::entry_slot(owner, ""), visit, 0);
    }
}

void FileSystem::walk(const U256& dir, const std::function<void(const Hash256&)>& visit, int depth)
{
    // Paths are at most what a transaction carries, so the depth is bounded; the guard keeps a
    // damaged state from recursing without end.
    if (depth > 1 << 16)
        return;
    const uint64_t n = store_.get(at(dir, layout::kCount)).low64();
    for (uint64_t i = 0; i < n; ++i)
    {
        const U256 entry = store_.get(layout::list_slot(dir, i));
        const Header h = header(entry);
        if (h.kind == EntryKind::Directory)
        {
            walk(entry, visit, depth + 1);
            continue;
        }
        for (uint64_t c = 0; c < chunk_count(h.size); ++c)
            if (const U256 hash = chunk_hash(entry, c))
                visit(hash.to_hash());
    }
}

}  // namespace tern::filestorage
