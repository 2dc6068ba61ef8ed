// The /fs/ route over a committed state: types, lengths, ETags, ranges, 304/404/416/400,
// directory listings and traversal attempts.

#include "filestorage/http_route.hpp"

#include "filestorage/constants.hpp"
#include "filestorage/file_system.hpp"
#include "filestorage/layout.hpp"
#include "predeployed/store.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace tern::filestorage {
namespace {

const Address kOwner = address_from_u64(0xa11ce);
const std::string kOwnerHex = "00000000000000000000000000000000000a11ce";

std::string header(const rpc::HttpReply& r, std::string_view name)
{
    for (const auto& [k, v] : r.headers)
        if (k == name)
            return v;
    return "";
}

class HttpRouteTest : public ::testing::Test
{
protected:
    HttpRouteTest()
    {
        state::State s{backend_};
        predeployed::StateStore store{s, kFileStorageAddress};
        FileSystem fs{store};
        store.set(layout::storage_space_slot(), U256{1} << 40);
        EXPECT_TRUE(fs.reserve_space(kOwner, U256{1} << 30));
        EXPECT_TRUE(fs.create_directory(kOwner, "site"));
        put(fs, "site/index.html", "<html><body>hi</body></html>");
        put(fs, "site/a b.css", "body{}");
        big_.resize(kChunkSize + 100);
        for (size_t i = 0; i < big_.size(); ++i)
            big_[i] = static_cast<char>('a' + i % 26);
        put(fs, "big.bin", big_);
        EXPECT_TRUE(fs.start_upload(kOwner, "partial.txt", U256{10}));
        s.finalize_transaction();
        backend_.apply(s.commit());
    }

    static void put(FileSystem& fs, std::string_view path, std::string_view data)
    {
        ASSERT_TRUE(fs.start_upload(kOwner, path, U256{data.size()}));
        for (size_t pos = 0; pos < data.size(); pos += kChunkSize)
        {
            const auto piece = data.substr(pos, kChunkSize);
            ASSERT_TRUE(fs.upload_chunk(kOwner, path, U256{pos}, as_bytes(piece)));
        }
        ASSERT_TRUE(fs.finish_upload(kOwner, path));
    }

    /// The reply to a GET of `target`, its body read out of the stream into `body`.
    rpc::HttpReply get(const std::string& target,
                       std::string_view range = {},
                       std::string_view inm = {})
    {
        auto r = serve_file(backend_, rpc::HttpGet{target, range, inm});
        if (r.stream)
        {
            const uint64_t length = r.content_length;
            r.body = drain(r);
            EXPECT_EQ(r.body.size(), length);
        }
        return r;
    }

    state::MemoryBackend backend_;
    std::string big_;
};

TEST_F(HttpRouteTest, ServesACompletedFileWithItsTypeAndETag)
{
    const auto r = get("/fs/" + kOwnerHex + "/site/index.html");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "<html><body>hi</body></html>");
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Accept-Ranges"), "bytes");
    const std::string etag = header(r, "ETag");
    EXPECT_EQ(etag.size(), 2u + 66u);  // "0x<64 hex>"
    // Upper-case owner digits, a query string and percent-escapes name the same file.
    std::string upper = kOwnerHex;
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(get("/fs/" + upper + "/site/index.html?x=1").body, r.body);
    const auto css = get("/fs/" + kOwnerHex + "/site/a%20b.css");
    EXPECT_EQ(css.status, 200u);
    EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
    // If-None-Match with the ETag: 304, no body.
    const auto cached = get("/fs/" + kOwnerHex + "/site/index.html", {}, etag);
    EXPECT_EQ(cached.status, 304u);
    EXPECT_TRUE(cached.body.empty());
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/site/index.html", {}, "\"other\"").status, 200u);
}

TEST_F(HttpRouteTest, ByteRangesAcrossChunks)
{
    const std::string t = "/fs/" + kOwnerHex + "/big.bin";
    EXPECT_EQ(get(t).body, big_);
    const auto mid = get(t, "bytes=1048570-1048579");
    EXPECT_EQ(mid.status, 206u);
    EXPECT_EQ(mid.body, big_.substr(1048570, 10));
    EXPECT_EQ(header(mid, "Content-Range"), "bytes 1048570-1048579/" + std::to_string(big_.size()));
    EXPECT_EQ(get(t, "bytes=-5").body, big_.substr(big_.size() - 5));
    EXPECT_EQ(get(t, "bytes=1048600-").body, big_.substr(1048600));
    EXPECT_EQ(get(t, "bytes=0-99999999").body, big_);  // clamped to the end
    const auto past = get(t, "bytes=99999999-");
    EXPECT_EQ(past.status, 416u);
    EXPECT_EQ(header(past, "Content-Range"), "bytes */" + std::to_string(big_.size()));
    // Malformed or multiple ranges are ignored: the whole file.
    EXPECT_EQ(get(t, "bytes=5-1").status, 200u);
    EXPECT_EQ(get(t, "bytes=0-1,5-6").status, 200u);
    EXPECT_EQ(get(t, "items=0-1").status, 200u);
}

TEST_F(HttpRouteTest, MissingUnfinishedAndMalformed)
{
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/nope.txt").status, 404u);
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/partial.txt").status, 404u);  // still uploading
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/site/index.html/x").status, 404u);
    EXPECT_EQ(get("/fs/zz" + kOwnerHex.substr(2) + "/a").status, 400u);
    EXPECT_EQ(get("/fs/" + kOwnerHex + "x/a").status, 400u);
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/a%zz").status, 400u);
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/a%2").status, 400u);
    EXPECT_EQ(get("/fs/abc").status, 400u);
    // No way out of the owner's tree: "." and ".." are refused, escaped or not.
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/site/../big.bin").status, 400u);
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/site/%2e%2e/big.bin").status, 400u);
    EXPECT_EQ(get("/fs/" + kOwnerHex + "/./big.bin").status, 400u);
    const std::string other = "/fs/00000000000000000000000000000000000b0b00/big.bin";
    EXPECT_EQ(get(other).status, 404u);
}

TEST_F(HttpRouteTest, DirectoriesListAsJson)
{
    const auto root = get("/fs/" + kOwnerHex + "/");
    EXPECT_EQ(root.status, 200u);
    EXPECT_EQ(root.content_type, "application/json");
    const auto j = nlohmann::json::parse(root.body);
    ASSERT_EQ(j.size(), 3u);
    EXPECT_EQ(j[0]["name"], "site");
    EXPECT_EQ(j[0]["isFile"], false);
    EXPECT_EQ(j[0]["storagePath"], kOwnerHex + "/site");
    EXPECT_EQ(j[1]["name"], "big.bin");
    EXPECT_EQ(j[1]["size"], big_.size());
    EXPECT_EQ(j[1]["status"], 2);
    EXPECT_EQ(j[1]["uploadingProgress"], 100);
    EXPECT_EQ(j[2]["name"], "partial.txt");
    EXPECT_EQ(j[2]["uploadingProgress"], 0);
    const auto site = nlohmann::json::parse(get("/fs/" + kOwnerHex + "/site").body);
    ASSERT_EQ(site.size(), 2u);
    EXPECT_EQ(site[1]["storagePath"], kOwnerHex + "/site/a b.css");
    // An owner with nothing stored: an empty list.
    EXPECT_EQ(get("/fs/00000000000000000000000000000000000b0b00").body, "[]");
}

TEST(HttpContentType, ByExtension)
{
    EXPECT_EQ(content_type_of("a.PNG"), "image/png");
    EXPECT_EQ(content_type_of("x.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_of("model.onnx"), "application/octet-stream");
    EXPECT_EQ(content_type_of("README"), "application/octet-stream");
    EXPECT_EQ(content_type_of("dot."), "application/octet-stream");
}

}  // namespace
}  // namespace tern::filestorage
