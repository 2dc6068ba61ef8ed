#include "fs_cmd.hpp"

#include "core/abi.hpp"
#include "core/hex.hpp"
#include "crypto/secp256k1.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/path.hpp"
#include "tools/tern/common/fail.hpp"
#include "tools/tern/common/tx_sender.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>

namespace tern::tools {
namespace {

using filestorage::kChunkSize;
using filestorage::kFileStorageAddress;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// Gas of a chunk transaction: 1 MiB of call data costs 16.8 M intrinsic gas, storing it about
/// 0.4 M more (docs/filestorage.md "Gas"); lowered to the block gas limit where that is less.
constexpr uint64_t kChunkGas = 40'000'000;
/// Chunk transactions in flight during an upload.
constexpr size_t kUploadWindow = 8;
/// readChunk calls in flight during a download: the node's eth_call and its hex, and the
/// client's, are the time of a download; two at once on a 2-core `tern dev` double its rate.
constexpr size_t kDownloadWindow = 4;
constexpr double kMiB = 1024.0 * 1024.0;

/// The options of every `tern fs` subcommand.
struct Connection
{
    std::string rpc = "http://127.0.0.1:8545";
    std::string key;
    std::string owner;
};

/// A subcommand's node, key and the namespace its reads look in.
struct Session
{
    explicit Session(const Connection& c);

    NodeRpc rpc;
    Hash256 key;
    Address self;   ///< the key's address: writes go to its namespace
    Address owner;  ///< --owner, else self
};

Session::Session(const Connection& c)
    : rpc(c.rpc), key(signing_key(c.key)), self(*crypto::address_from_secret(key)), owner(self)
{
    if (c.owner.empty())
        return;
    const auto a = parse_address_arg(c.owner);
    if (!a)
        fail("--owner must be an address (40 hex digits)");
    owner = *a;
}

std::string owner_hex(const Address& a)
{
    return to_hex(a.view(), false);
}

/// REMOTE as a storage path ("<owner hex>/<path>"): as given when it is one, else a path in
/// `owner`'s namespace.
std::string storage_path(const std::string& remote, const Address& owner)
{
    if (filestorage::parse_storage_path(remote))
        return remote;
    return owner_hex(owner) + "/" + remote;
}

/// REMOTE as a path in the namespace of `self` (where writes go): a plain path as given, a
/// storage path only when it names that namespace.
std::string own_path(const std::string& remote, const Address& self)
{
    const auto sp = filestorage::parse_storage_path(remote);
    if (!sp)
        return remote;
    if (sp->owner != self)
        fail(remote + " is in " + to_hex(sp->owner.view()) + "'s namespace; writes go to " +
             to_hex(self.view()) + "'s");
    return sp->path;
}

/// The last component of a path ("a/b/c.txt" -> "c.txt"; one trailing "/" is ignored).
std::string base_name(std::string_view path)
{
    const auto parts = filestorage::split_path(path);
    return parts.empty() ? std::string{} : std::string(parts.back());
}

/// Call data of a FileStorage function whose first argument is the string `path`, followed in
/// the head by `words` and, when given, a trailing `bytes` argument `data`. encode_call lays
/// out the words and `data`; the string's length and bytes go after them, where its offset
/// word points (an ABI offset may point anywhere in the tail).
Bytes path_call(std::string_view signature,
                std::string_view path,
                std::vector<U256> words = {},
                std::optional<BytesView> data = std::nullopt)
{
    words.insert(words.begin(), U256{});
    const size_t head = 32 * (words.size() + (data ? 1 : 0));
    words[0] = U256{head + (data ? 32 + (data->size() + 31) / 32 * 32 : 0)};
    Bytes out = abi::encode_call(signature, words, data);
    const Bytes text = abi::encode_string(path);
    out.insert(out.end(), text.begin() + 32, text.end());  // without encode_string's offset
    return out;
}

/// A FileStorage view; a revert ends the subcommand with "WHAT: execution reverted: <reason>".
Bytes view(Session& s, BytesView data, const std::string& what)
{
    auto out = s.rpc.eth_call(kFileStorageAddress, data, s.self);
    if (!out)
        fail(what + ": " + out.error());
    return std::move(*out);
}

/// A FileStorage view that returns one word.
U256 view_word(Session& s, BytesView data, const std::string& what)
{
    const Bytes out = view(s, data, what);
    if (out.size() < 32)
        fail(what + ": an answer of " + std::to_string(out.size()) + " bytes, not a word");
    return U256::from_be(BytesView(out).first(32));
}

/// One FileStorage transaction, its gas from eth_estimateGas (so a revert is reported before
/// anything is sent, as "WHAT: execution reverted: <reason>"), then its receipt.
void write(Session& s, const Bytes& data, const std::string& what)
{
    const auto gas = s.rpc.estimate_gas(s.self, kFileStorageAddress, data);
    if (!gas)
        fail(what + ": " + gas.error());
    TxSender sender{s.rpc, s.key};
    sender.send(kFileStorageAddress, data, *gas + *gas / 5, what);
    sender.confirm();
}

/// A progress bar on stderr when it is a terminal: bytes done of the total, and the rate. It
/// keeps the cursor on the line below it, so an error is printed on a line of its own.
class Progress
{
public:
    /// A bar for `total` bytes, timed from now.
    Progress(const char* verb, uint64_t total)
        : verb_(verb), total_(total), tty_(isatty(STDERR_FILENO) == 1), start_(Clock::now())
    {}

    /// Draws `done` bytes of the total.
    void update(uint64_t done)
    {
        if (!tty_)
            return;
        constexpr uint64_t kWidth = 30;
        const uint64_t filled = total_ == 0 ? kWidth : std::min(kWidth, kWidth * done / total_);
        std::fprintf(stderr, "%s%s [%s%s] %.1f/%.1f MiB  %.1f MiB/s\n",
                     drawn_ ? "\033[A\r\033[K" : "", verb_, std::string(filled, '#').c_str(),
                     std::string(kWidth - filled, ' ').c_str(), done / kMiB, total_ / kMiB,
                     rate(done));
        std::fflush(stderr);
        drawn_ = true;
    }

    /// Seconds since the start.
    double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

    /// MiB/s of `bytes` since the start.
    double rate(uint64_t bytes) const
    {
        const double t = seconds();
        return t > 0 ? bytes / kMiB / t : 0;
    }

private:
    const char* verb_;
    uint64_t total_;
    bool tty_;
    bool drawn_ = false;
    Clock::time_point start_;
};

// ---- the subcommands ----

void upload(const Connection& c, const std::string& local, std::string remote)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(local, ec);
    if (ec)
        fail("cannot read " + local + ": " + ec.message());
    if (size > filestorage::kMaxFileSize)
        fail(local + " is " + std::to_string(size) + " bytes; FileStorage files are at most " +
             std::to_string(filestorage::kMaxFileSize) + " (100 MiB)");
    std::ifstream in(local, std::ios::binary);
    const Bytes file(std::istreambuf_iterator<char>(in), {});
    if (!in.good() && !in.eof())
        fail("cannot read " + local);
    if (remote.empty() || remote.ends_with('/'))
        remote += std::filesystem::path(local).filename().string();

    Session s{c};
    remote = own_path(remote, s.self);
    const std::string where = owner_hex(s.self) + "/" + remote;
    Progress progress{"upload", file.size()};
    uint64_t sent_bytes = 0;  // of the chunks the node accepted (before `sender`, which reports it)

    // 1. startUpload, confirmed first: a refusal (no space, the file exists) stops it here.
    const Bytes start = path_call("startUpload(string,uint256)", remote, {U256{file.size()}});
    const auto start_gas = s.rpc.estimate_gas(s.self, kFileStorageAddress, start);
    if (!start_gas)
        fail("startUpload(" + remote + "): " + start_gas.error());
    TxSender sender{s.rpc, s.key, kUploadWindow};
    sender.send(kFileStorageAddress, start, *start_gas + *start_gas / 5,
                "startUpload(" + remote + ")");
    sender.confirm();

    // 2. The chunks, up to kUploadWindow in flight, then every receipt.
    const auto block = s.rpc.call("eth_getBlockByNumber", json::array({"latest", false}));
    const uint64_t block_gas = quantity(block.value("gasLimit", json("0x0"))).low64();
    const uint64_t chunk_gas = block_gas > 0 ? std::min(kChunkGas, block_gas) : kChunkGas;
    const size_t chunks = (file.size() + kChunkSize - 1) / kChunkSize;
    const size_t first = 1;  // send index of chunk 0 (startUpload was 0)
    sender.on_accepted([&](size_t index) {
        const uint64_t at = (index - first) * kChunkSize;
        sent_bytes += std::min<uint64_t>(kChunkSize, file.size() - at);
        progress.update(sent_bytes);
    });
    progress.update(0);
    for (size_t i = 0; i < chunks; ++i)
    {
        const uint64_t at = i * kChunkSize;
        const size_t n = std::min<uint64_t>(kChunkSize, file.size() - at);
        sender.send(kFileStorageAddress,
                    path_call("uploadChunk(string,uint256,bytes)", remote, {U256{at}},
                              BytesView(file).subspan(at, n)),
                    chunk_gas,
                    "uploadChunk(" + remote + ", chunk " + std::to_string(i + 1) + "/" +
                        std::to_string(chunks) + ")");
    }
    sender.confirm();
    sender.on_accepted({});

    // 3. finishUpload.
    write(s, path_call("finishUpload(string)", remote), "finishUpload(" + remote + ")");
    std::printf("uploaded %s (%zu bytes, %zu chunks) in %.2f s: %.2f MiB/s\n%s\n", local.c_str(),
                file.size(), chunks, progress.seconds(), progress.rate(file.size()), where.c_str());
}

void download(const Connection& c, const std::string& remote, std::string local)
{
    Session s{c};
    const std::string sp = storage_path(remote, s.owner);
    const U256 status =
        view_word(s, path_call("getFileStatus(string)", sp), "getFileStatus(" + sp + ")");
    if (status != U256{2})
    {
        // getFileSize names what is wrong: "Invalid path" for a missing file or a directory.
        (void)view_word(s, path_call("getFileSize(string)", sp), "getFileSize(" + sp + ")");
        fail(sp + ": the upload of this file is not finished");
    }
    const U256 size_word =
        view_word(s, path_call("getFileSize(string)", sp), "getFileSize(" + sp + ")");
    if (!size_word.fits_u64() || size_word.low64() > filestorage::kMaxFileSize)
        fail("getFileSize(" + sp + "): " + size_word.to_dec() + " bytes, more than a file holds");
    const uint64_t size = size_word.low64();

    // readChunk per MiB, kDownloadWindow of them at a time, each into its place.
    Progress progress{"download", size};
    Bytes file(size);
    const size_t chunks = (size + kChunkSize - 1) / kChunkSize;
    std::mutex mutex;
    size_t next = 0;
    uint64_t done = 0;
    std::optional<std::pair<size_t, std::string>> error;  // the first chunk that failed
    const auto read = [&](NodeRpc client) {
        for (;;)
        {
            size_t i = 0;
            {
                std::lock_guard lock{mutex};
                if (error || next == chunks)
                    return;
                i = next++;
            }
            const uint64_t at = i * kChunkSize;
            const uint64_t n = std::min(kChunkSize, size - at);
            const auto chunk = client.eth_call(
                kFileStorageAddress,
                path_call("readChunk(string,uint256,uint256)", sp, {U256{at}, U256{n}}), s.self);
            if (chunk && chunk->size() >= n)
                std::copy_n(chunk->begin(), n, file.begin() + static_cast<ptrdiff_t>(at));
            std::lock_guard lock{mutex};
            if (chunk && chunk->size() >= n)
                progress.update(done += n);
            else if (!error || i < error->first)
                error = {i, "readChunk(" + sp + ", " + std::to_string(at) + "): " +
                                (chunk ? std::to_string(chunk->size()) + " bytes, expected " +
                                             std::to_string(n)
                                       : chunk.error())};
        }
    };
    progress.update(0);
    std::vector<std::thread> readers;
    for (size_t k = 0; k < std::min(kDownloadWindow, chunks); ++k)
        readers.emplace_back(read, s.rpc);
    for (auto& t : readers)
        t.join();
    if (error)
        fail(error->second);

    FILE* summary = stdout;
    if (local == "-")
    {
        std::fwrite(file.data(), 1, file.size(), stdout);
        std::fflush(stdout);
        summary = stderr;
    }
    else
    {
        if (local.empty())
            local = base_name(sp);
        else if (std::filesystem::is_directory(local))
            local = (std::filesystem::path(local) / base_name(sp)).string();
        std::ofstream out(local, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(file.data()),
                  static_cast<std::streamsize>(file.size()));
        out.close();
        if (!out)
            fail("cannot write " + local);
    }
    std::fprintf(summary, "downloaded %s (%llu bytes) to %s in %.2f s: %.2f MiB/s\n", sp.c_str(),
                 static_cast<unsigned long long>(size), local == "-" ? "stdout" : local.c_str(),
                 progress.seconds(), progress.rate(size));
}

/// One entry of listDirectory's (string name, bool isFile, uint256 size, uint8 status,
/// bool[] isChunkUploaded)[].
struct Listed
{
    std::string name;
    bool is_file = false;
    uint64_t size = 0;
    uint64_t status = 0;
    size_t chunks = 0;
    size_t uploaded = 0;
};

/// listDirectory's answer decoded; nullopt if malformed.
std::optional<std::vector<Listed>> decode_listing(BytesView out)
{
    const auto array_at = abi::Reader{out}.u64(0);
    if (!array_at || *array_at > out.size())
        return std::nullopt;
    const BytesView array = out.subspan(*array_at);
    const auto count = abi::Reader{array}.u64(0);
    if (!count || *count > array.size() / 32)
        return std::nullopt;
    const BytesView items = array.subspan(32);
    const abi::Reader offsets{items};
    std::vector<Listed> result;
    for (uint64_t i = 0; i < *count; ++i)
    {
        const auto item_at = offsets.u64(i);
        if (!item_at || *item_at > items.size())
            return std::nullopt;
        const abi::Reader item{items.subspan(*item_at)};
        auto name = item.string(0);
        const auto is_file = item.word(1);
        const auto size = item.u64(2);
        const auto status = item.u64(3);
        const auto flags = item.words(4);
        if (!name || !is_file || !size || !status || !flags)
            return std::nullopt;
        Listed e;
        e.name = std::move(*name);
        e.is_file = static_cast<bool>(*is_file);
        e.size = *size;
        e.status = *status;
        e.chunks = flags->size();
        e.uploaded = static_cast<size_t>(
            std::count_if(flags->begin(), flags->end(), [](const U256& w) { return !!w; }));
        result.push_back(std::move(e));
    }
    return result;
}

std::vector<Listed> list_directory(Session& s, const std::string& sp)
{
    const Bytes out = view(s, path_call("listDirectory(string)", sp), "listDirectory(" + sp + ")");
    auto entries = decode_listing(out);
    if (!entries)
        fail("listDirectory(" + sp + "): malformed answer");
    return std::move(*entries);
}

const char* status_name(uint64_t status)
{
    switch (status)
    {
        case 0:
            return "none";
        case 1:
            return "uploading";
        case 2:
            return "completed";
        default:
            return "unknown";
    }
}

void ls(const Connection& c, const std::string& remote, bool as_json)
{
    Session s{c};
    std::string sp = storage_path(remote, s.owner);
    auto entries = list_directory(s, sp);
    // listDirectory of a file is empty: show the file's own entry, from its directory.
    const std::string name = base_name(filestorage::parse_storage_path(sp)->path);
    std::string dir = sp;  // where the listed entries are
    if (entries.empty() && !name.empty())
    {
        const size_t slash = sp.find_last_of('/', sp.ends_with('/') ? sp.size() - 2 : sp.npos);
        const std::string parent = sp.substr(0, slash + 1);
        auto siblings = list_directory(s, parent);
        const auto it = std::find_if(siblings.begin(), siblings.end(),
                                     [&](const Listed& e) { return e.name == name && e.is_file; });
        if (it != siblings.end())
        {
            entries = {*it};
            dir = parent;
        }
    }
    if (!dir.ends_with('/'))
        dir += '/';
    if (as_json)
    {
        // The shape of filestorage.js's listDirectory (and of the node's /fs/ directory pages).
        json out = json::array();
        for (const auto& e : entries)
        {
            json j{{"name", e.name}, {"storagePath", dir + e.name}, {"isFile", e.is_file}};
            if (e.is_file)
            {
                j["size"] = e.size;
                j["status"] = e.status;
                j["uploadingProgress"] = e.chunks == 0 ? 100 : e.uploaded * 100 / e.chunks;
            }
            out.push_back(std::move(j));
        }
        std::printf("%s\n", out.dump(2).c_str());
        return;
    }
    for (const auto& e : entries)
    {
        if (e.is_file)
            std::printf("f %12llu %-9s %3zu%% %s\n", static_cast<unsigned long long>(e.size),
                        status_name(e.status), e.chunks == 0 ? 100 : e.uploaded * 100 / e.chunks,
                        e.name.c_str());
        else
            std::printf("d %12s %-9s %4s %s\n", "-", "-", "-", e.name.c_str());
    }
}

/// rm, mkdir, rmdir: `function` (one of FileStorage's writes taking a path, named without its
/// "(string)") of REMOTE in the key's namespace; prints "DONE <storage path>".
void path_write(const Connection& c,
                const std::string& remote,
                const std::string& function,
                const char* done)
{
    Session s{c};
    const std::string path = own_path(remote, s.self);
    write(s, path_call(function + "(string)", path), function + "(" + path + ")");
    std::printf("%s %s/%s\n", done, owner_hex(s.self).c_str(), path.c_str());
}

Address address_arg(const std::string& text, const Address& otherwise)
{
    if (text.empty())
        return otherwise;
    const auto a = parse_address_arg(text);
    if (!a)
        fail(text + " is not an address (40 hex digits)");
    return *a;
}

void quota(const Connection& c, const std::string& address)
{
    Session s{c};
    const Address who = address_arg(address, s.self);
    const std::vector<U256> arg{U256::from_address(who)};
    const U256 reserved =
        view_word(s, abi::encode_call("getReservedSpace(address)", arg), "getReservedSpace");
    const U256 occupied =
        view_word(s, abi::encode_call("getOccupiedSpace(address)", arg), "getOccupiedSpace");
    const U256 total =
        view_word(s, abi::encode_call("getTotalStorageSpace()", {}), "getTotalStorageSpace");
    const U256 all_reserved =
        view_word(s, abi::encode_call("getTotalReservedSpace()", {}), "getTotalReservedSpace");
    const auto line = [](const char* what, const U256& n) {
        char mib[64] = "";
        if (n.fits_u64())
            std::snprintf(mib, sizeof mib, "  (%.2f MiB)", static_cast<double>(n.low64()) / kMiB);
        std::printf("%-15s %s%s\n", what, n.to_dec().c_str(), mib);
    };
    std::printf("%-15s %s\n", "address", to_hex(who.view()).c_str());
    line("reserved", reserved);
    line("occupied", occupied);
    line("free", reserved > occupied ? reserved - occupied : U256{});
    line("total space", total);
    line("total reserved", all_reserved);
}

void reserve(const Connection& c, const std::string& address, const std::string& amount)
{
    Session s{c};
    const Address who = address_arg(address, s.self);
    const auto bytes = U256::from_string(amount);
    if (!bytes)
        fail(amount + " is not a number of bytes");
    write(s,
          abi::encode_call("reserveSpace(address,uint256)",
                           std::vector{U256::from_address(who), *bytes}),
          "reserveSpace(" + to_hex(who.view()) + ", " + bytes->to_dec() + ")");
    std::printf("reserved %s bytes for %s\n", bytes->to_dec().c_str(), to_hex(who.view()).c_str());
}

void grant_allocator(const Connection& c, const std::string& address)
{
    Session s{c};
    const Address who = address_arg(address, s.self);
    write(s,
          abi::encode_call(
              "grantRole(bytes32,address)",
              std::vector{U256::from_hash(filestorage::allocator_role()), U256::from_address(who)}),
          "grantRole(ALLOCATOR_ROLE, " + to_hex(who.view()) + ")");
    std::printf("granted ALLOCATOR_ROLE to %s\n", to_hex(who.view()).c_str());
}

/// Adds --rpc, --key and --owner to `cmd`.
void add_connection_options(CLI::App* cmd, Connection& c)
{
    cmd->add_option("--rpc", c.rpc, "JSON-RPC URL of a node")->capture_default_str();
    cmd->add_option("--key", c.key,
                    "Private key (hex) that signs the transactions (default: tern dev's first dev "
                    "account, 0xac0974...2ff80)");
    cmd->add_option("--owner", c.owner,
                    "Address whose files plain paths of reads name (default: the key's address)");
}

}  // namespace

void register_fs_commands(CLI::App& app)
{
    auto* fs = app.add_subcommand("fs", "Files in the chain's FileStorage (SKALE's interface)");
    fs->require_subcommand(1);

    struct Options
    {
        Connection connection;
        std::string first;
        std::string second;
        bool json = false;
    };
    // One subcommand: its options, its positional arguments, its action.
    const auto add = [fs](const char* name, const char* help, const char* first,
                          const char* first_help, bool first_required, const char* second,
                          const char* second_help, auto action) {
        auto o = std::make_shared<Options>();
        auto* cmd = fs->add_subcommand(name, help);
        add_connection_options(cmd, o->connection);
        if (first)
        {
            auto* opt = cmd->add_option(first, o->first, first_help);
            if (first_required)
                opt->required();
        }
        if (second)
            cmd->add_option(second, o->second, second_help);
        cmd->callback([o, action] { action(*o); });
        return std::pair{cmd, o};
    };

    add("upload", "Upload a file (up to 100 MiB) into the key's namespace", "local",
        "The file to upload", true, "remote",
        "Path in the key's namespace (default: the file's name; one ending in / gets it appended)",
        [](Options& o) { upload(o.connection, o.first, o.second); });
    add("download", "Download a file", "remote",
        "A storage path (<owner hex>/<path>) or a path in --owner's namespace", true, "local",
        "Where to write it (default: its name; a directory: its name there; -: stdout)",
        [](Options& o) { download(o.connection, o.first, o.second); });
    auto [ls_cmd, ls_opts] =
        add("ls", "List a directory (default: the top of --owner's namespace)", "remote",
            "A storage path or a path in --owner's namespace", false, nullptr, nullptr,
            [](Options& o) { ls(o.connection, o.first, o.json); });
    ls_cmd->add_flag("--json", ls_opts->json, "Print JSON (filestorage.js's listDirectory shape)");
    add("rm", "Delete a file of the key's namespace", "remote", "Path of the file", true, nullptr,
        nullptr, [](Options& o) { path_write(o.connection, o.first, "deleteFile", "deleted"); });
    add("mkdir", "Create a directory in the key's namespace", "remote", "Path of the directory",
        true, nullptr, nullptr, [](Options& o) {
            path_write(o.connection, o.first, "createDirectory", "created directory");
        });
    add("rmdir", "Delete an empty directory of the key's namespace", "remote",
        "Path of the directory", true, nullptr, nullptr, [](Options& o) {
            path_write(o.connection, o.first, "deleteDirectory", "deleted directory");
        });
    add("quota", "Space reserved and occupied by an address, and the chain's totals", "address",
        "Whose (default: the key's address)", false, nullptr, nullptr,
        [](Options& o) { quota(o.connection, o.first); });
    auto [reserve_cmd, reserve_opts] =
        add("reserve", "Reserve space for an address (the key must hold ALLOCATOR_ROLE)", "address",
            "For whom", true, "bytes", "How many bytes (decimal or 0x hex)",
            [](Options& o) { reserve(o.connection, o.first, o.second); });
    reserve_cmd->get_option("bytes")->required();
    (void)reserve_opts;
    add("grant-allocator",
        "Grant ALLOCATOR_ROLE to an address (the key must hold FileStorage's admin role)",
        "address", "To whom", true, nullptr, nullptr,
        [](Options& o) { grant_allocator(o.connection, o.first); });
}

}  // namespace tern::tools
