// libFuzzer harness: storage paths (from transactions and eth_call) and the /fs/ HTTP route
// (targets, Range and If-None-Match headers from any client) must never crash, and what the
// route answers must hang together: a 200/206 body is a slice of the stored file with the
// length its headers say.
#include "filestorage/constants.hpp"
#include "filestorage/file_system.hpp"
#include "filestorage/http_route.hpp"
#include "filestorage/layout.hpp"
#include "filestorage/path.hpp"
#include "predeployed/store.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace tern;
using namespace tern::filestorage;

const Address kOwner = address_from_u64(0xa11ce);

/// A state with a directory, a small file, a two-chunk file and an unfinished one.
const state::MemoryBackend& files()
{
    static const state::MemoryBackend backend = [] {
        state::MemoryBackend b;
        state::State s{b};
        predeployed::StateStore store{s, kFileStorageAddress};
        FileSystem fs{store};
        store.set(layout::storage_space_slot(), U256{1} << 40);
        (void)fs.reserve_space(kOwner, U256{1} << 30);
        (void)fs.create_directory(kOwner, "d");
        const auto put = [&](std::string_view path, size_t n) {
            Bytes data(n);
            for (size_t i = 0; i < n; ++i)
                data[i] = static_cast<uint8_t>(i * 7);
            (void)fs.start_upload(kOwner, path, U256{n});
            for (size_t pos = 0; pos < n; pos += kChunkSize)
                (void)fs.upload_chunk(kOwner, path, U256{pos},
                                      BytesView(data).subspan(pos, std::min(kChunkSize, n - pos)));
            (void)fs.finish_upload(kOwner, path);
        };
        put("d/a.txt", 100);
        put("big.bin", kChunkSize + 10);
        (void)fs.start_upload(kOwner, "partial", U256{3});
        s.finalize_transaction();
        b.apply(s.commit());
        return b;
    }();
    return backend;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    // The path parsers on the raw bytes.
    if (const auto sp = parse_storage_path(in))
        (void)split_path(sp->path);
    for (const auto part : split_path(in))
        (void)valid_name(part);

    // Target, Range and If-None-Match separated by newlines; the owner is filled in when the
    // target starts with '~'.
    const size_t a = in.find('\n');
    const size_t b = a == std::string_view::npos ? a : in.find('\n', a + 1);
    std::string target(in.substr(0, a));
    if (!target.empty() && target[0] == '~')
        target = "00000000000000000000000000000000000a11ce" + target.substr(1);
    target.insert(0, kHttpPrefix);
    const std::string_view range =
        a == std::string_view::npos ? std::string_view{} : in.substr(a + 1, b - a - 1);
    const std::string_view inm =
        b == std::string_view::npos ? std::string_view{} : in.substr(b + 1);
    auto reply = serve_file(files(), rpc::HttpGet{target, range, inm});
    const bool streamed = static_cast<bool>(reply.stream);
    const uint64_t length = reply.content_length;
    const std::string body = drain(reply);
    // A file's body is exactly as long as its headers say, and never more than the file.
    if (streamed && (body.size() != length || body.size() > kChunkSize + 10))
        __builtin_trap();
    if ((reply.status == 200 || reply.status == 206) &&
        streamed != (reply.content_type != "application/json"))
        __builtin_trap();
    return 0;
}
