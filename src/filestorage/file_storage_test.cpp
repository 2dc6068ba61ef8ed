// SKALE's FileStorage semantics through the ABI (filestorage 1.0.1-beta.0's functions and
// revert strings), executed as calls to 0xD3002000...d3 over a journaled state.

#include "filestorage/file_storage_precompile.hpp"

#include "core/abi.hpp"
#include "core/keccak.hpp"
#include "evm/vm.hpp"
#include "execution/host.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/feature.hpp"
#include "filestorage/test_calls.hpp"
#include "predeployed/access_control.hpp"
#include "state/memory_backend.hpp"
#include "state/state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tern::filestorage {
namespace {

using test::encode;
using test::hex40;
using test::pattern;

const Address kAdmin = address_from_u64(0xad);
const Address kAlice = address_from_u64(0xa11ce);
const Address kBob = address_from_u64(0xb0b);

std::string reason(const evm::ExecResult& r)
{
    if (r.status != evm::Status::Revert)
        return "<status " + std::to_string(static_cast<int>(r.status)) + ">";
    return abi::decode_error(r.output).value_or("<no reason>");
}

struct Listed
{
    std::string name;
    bool is_file;
    U256 size;
    uint64_t status;
    std::vector<bool> chunks;
};

/// Decodes listDirectory's (string,bool,uint256,uint8,bool[])[].
std::vector<Listed> decode_listing(BytesView out)
{
    const abi::Reader top{out};
    const uint64_t at = top.word(0)->low64();
    const uint64_t n = U256::from_be(out.subspan(at, 32)).low64();
    const BytesView elems = out.subspan(at + 32);
    std::vector<Listed> result;
    for (uint64_t i = 0; i < n; ++i)
    {
        const uint64_t off = abi::Reader{elems}.word(i)->low64();
        const abi::Reader t{elems.subspan(off)};
        Listed l;
        l.name = *t.string(0);
        l.is_file = static_cast<bool>(*t.word(1));
        l.size = *t.word(2);
        l.status = t.word(3)->low64();
        const auto flags = t.words(4);
        for (const auto& w : *flags)
            l.chunks.push_back(static_cast<bool>(w));
        result.push_back(std::move(l));
    }
    return result;
}

class FileStorageTest : public ::testing::Test
{
protected:
    FileStorageTest()
    {
        chain::ChainConfig rules;
        FileStorageSettings s;
        s.enabled = true;
        s.space = 64 * kMegabyte;
        s.admin = kAdmin;
        set_file_storage_settings(rules, s);
        EXPECT_FALSE(register_feature(features_, rules));
        for (const auto& f : features_.features())
            for (const auto& p : f.predeploys)
            {
                std::map<U256, U256> storage(p.storage.begin(), p.storage.end());
                backend_.put_account(p.address, 0, p.balance, p.code, storage);
            }
        env_.features = &features_;
    }

    /// One transaction: a top-level call from `from` to FileStorage; committed on success.
    evm::ExecResult call(const Address& from,
                         BytesView input,
                         int64_t gas = 100'000'000,
                         bool is_static = false)
    {
        evm::Message msg;
        msg.kind = evm::CallKind::Call;
        msg.is_static = is_static;
        msg.gas = gas;
        msg.sender = from;
        msg.recipient = kFileStorageAddress;
        msg.code_address = kFileStorageAddress;
        msg.input = input;
        const auto snap = state_.snapshot();
        execution::ExecHost host{state_, vm_, ctx_, env_};
        auto r = host.call(msg);
        if (r.status != evm::Status::Success)
            state_.revert(snap);
        logs_ = state_.logs();
        state_.finalize_transaction();
        backend_.apply(state_.commit());
        return r;
    }

    void ok(const Address& from, BytesView input)
    {
        const auto r = call(from, input);
        ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    }

    void refused(const Address& from, BytesView input, std::string_view why)
    {
        const auto r = call(from, input);
        EXPECT_EQ(reason(r), why);
    }

    U256 view_word(BytesView input)
    {
        const auto r = call(kBob, input);
        EXPECT_EQ(r.status, evm::Status::Success) << reason(r);
        return r.output.size() >= 32 ? U256::from_be(BytesView(r.output).first(32)) : U256{};
    }

    void allow(const Address& user, uint64_t bytes)
    {
        ok(kAdmin, encode("grantRole(bytes32,address)", {allocator_role(), kAdmin}));
        ok(kAdmin, encode("reserveSpace(address,uint256)", {user, bytes}));
    }

    /// Uploads `data` to `path` of `from` as filestorage.js does.
    void upload(const Address& from, std::string_view path, const Bytes& data)
    {
        ok(from, encode("startUpload(string,uint256)", {path, data.size()}));
        for (size_t pos = 0; pos < data.size(); pos += kChunkSize)
        {
            const size_t n = std::min<size_t>(kChunkSize, data.size() - pos);
            const Bytes chunk(data.begin() + pos, data.begin() + pos + n);
            ok(from, encode("uploadChunk(string,uint256,bytes)", {path, pos, chunk}));
        }
        ok(from, encode("finishUpload(string)", {path}));
    }

    /// Downloads `storage_path` as filestorage.js does (getFileSize, readChunk per MiB).
    Bytes download(const std::string& storage_path)
    {
        const uint64_t size = view_word(encode("getFileSize(string)", {storage_path})).low64();
        Bytes out;
        for (uint64_t pos = 0; pos < size; pos += kChunkSize)
        {
            const uint64_t n = std::min(kChunkSize, size - pos);
            const auto r =
                call(kBob, encode("readChunk(string,uint256,uint256)", {storage_path, pos, n}));
            EXPECT_EQ(r.status, evm::Status::Success) << reason(r);
            EXPECT_EQ(r.output.size(), kMaxBlockCount * 32);  // bytes32[32768]
            out.insert(out.end(), r.output.begin(), r.output.begin() + static_cast<long>(n));
        }
        return out;
    }

    std::vector<Listed> list(const std::string& storage_path)
    {
        const auto r = call(kBob, encode("listDirectory(string)", {storage_path}));
        EXPECT_EQ(r.status, evm::Status::Success) << reason(r);
        return r.status == evm::Status::Success ? decode_listing(r.output) : std::vector<Listed>{};
    }

    std::string sp(const Address& owner, std::string_view path)
    {
        return hex40(owner) + "/" + std::string(path);
    }

    execution::ChainFeatures features_;
    state::MemoryBackend backend_;
    state::State state_{backend_};
    evm::Vm vm_;
    evm::TxContext ctx_;
    execution::BlockEnv env_;
    std::vector<state::Log> logs_;
};

TEST_F(FileStorageTest, ConstantsAndGenesisState)
{
    EXPECT_EQ(view_word(encode("ALLOCATOR_ROLE()", {})),
              U256::from_hash(keccak256(as_bytes("ALLOCATOR_ROLE"))));
    EXPECT_EQ(view_word(encode("DEFAULT_ADMIN_ROLE()", {})), U256{});
    EXPECT_EQ(view_word(encode("MAX_FILESIZE()", {})), U256{100 * kMegabyte});
    EXPECT_EQ(view_word(encode("MAX_BLOCK_COUNT()", {})), U256{32768});
    EXPECT_EQ(view_word(encode("getMaxChunkSize()", {})), U256{kMegabyte});
    EXPECT_EQ(view_word(encode("getMaxContentCount()", {})), U256{8192});
    EXPECT_EQ(view_word(encode("getTotalStorageSpace()", {})), U256{64 * kMegabyte});
    EXPECT_EQ(view_word(encode("getTotalReservedSpace()", {})), U256{});
    EXPECT_EQ(view_word(encode("hasRole(bytes32,address)", {Hash256{}, kAdmin})), U256{1});
    EXPECT_EQ(view_word(encode("getRoleMemberCount(bytes32)", {Hash256{}})), U256{1});
    EXPECT_EQ(view_word(encode("getRoleMember(bytes32,uint256)", {Hash256{}, 0})),
              U256::from_address(kAdmin));
    EXPECT_EQ(view_word(encode("supportsInterface(bytes4)", {U256{0x7965db0bULL} << 224})),
              U256{1});
    EXPECT_EQ(view_word(encode("supportsInterface(bytes4)", {U256{0x12345678ULL} << 224})), U256{});
    // The account has code, so web3 and explorers see a contract.
    EXPECT_FALSE(state_.code(kFileStorageAddress).empty());
}

TEST_F(FileStorageTest, RolesFollowAccessControl)
{
    const Hash256 role = allocator_role();
    refused(kAlice, encode("grantRole(bytes32,address)", {role, kAlice}),
            predeployed::AccessControl::missing_role(kAlice, Hash256{}));
    EXPECT_EQ(predeployed::AccessControl::missing_role(kAlice, Hash256{}),
              "AccessControl: account 0x00000000000000000000000000000000000a11ce is missing "
              "role 0x0000000000000000000000000000000000000000000000000000000000000000");
    refused(kAlice, encode("reserveSpace(address,uint256)", {kAlice, 4096}),
            "Caller is not allowed to reserve space");
    ok(kAdmin, encode("grantRole(bytes32,address)", {role, kAlice}));
    ASSERT_EQ(logs_.size(), 1u);  // RoleGranted(role, account, sender)
    EXPECT_EQ(logs_[0].topics[0], keccak256(as_bytes("RoleGranted(bytes32,address,address)")));
    EXPECT_EQ(logs_[0].topics[2], U256::from_address(kAlice).to_hash());
    ok(kAlice, encode("reserveSpace(address,uint256)", {kBob, 8192}));
    EXPECT_EQ(view_word(encode("getReservedSpace(address)", {kBob})), U256{8192});
    refused(kAlice, encode("renounceRole(bytes32,address)", {role, kBob}),
            "AccessControl: can only renounce roles for self");
    ok(kAlice, encode("renounceRole(bytes32,address)", {role, kAlice}));
    refused(kAlice, encode("reserveSpace(address,uint256)", {kBob, 4096}),
            "Caller is not allowed to reserve space");
    const auto r = call(kBob, encode("getRoleMember(bytes32,uint256)", {role, 0}));
    EXPECT_EQ(r.status, evm::Status::Revert);  // Panic(0x32): no member left
    EXPECT_EQ(r.output, abi::encode_panic(0x32));
}

TEST_F(FileStorageTest, QuotasRefuseOverReservationAndOverUse)
{
    ok(kAdmin, encode("grantRole(bytes32,address)", {allocator_role(), kAdmin}));
    refused(kAdmin, encode("reserveSpace(address,uint256)", {kAlice, 64 * kMegabyte + 1}),
            "Not enough memory in the Filestorage");
    ok(kAdmin, encode("reserveSpace(address,uint256)", {kAlice, 10000}));
    // Re-reserving counts the user's old reservation once (not twice).
    ok(kAdmin, encode("reserveSpace(address,uint256)", {kAlice, 64 * kMegabyte}));
    EXPECT_EQ(view_word(encode("getTotalReservedSpace()", {})), U256{64 * kMegabyte});
    ok(kAdmin, encode("reserveSpace(address,uint256)", {kAlice, 10000}));
    refused(kBob, encode("startUpload(string,uint256)", {"x", 1}), "Not enough reserved space");

    ok(kAlice, encode("startUpload(string,uint256)", {"a", 4097}));  // two 4096-byte blocks
    EXPECT_EQ(view_word(encode("getOccupiedSpace(address)", {kAlice})), U256{8192});
    refused(kAlice, encode("startUpload(string,uint256)", {"b", 4096}),
            "Not enough reserved space");  // 8192 + 4096 > 10000
    refused(kAdmin, encode("reserveSpace(address,uint256)", {kAlice, 8191}),
            "Could not reserve less than used space");
    ok(kAlice, encode("deleteFile(string)", {"a"}));
    EXPECT_EQ(view_word(encode("getOccupiedSpace(address)", {kAlice})), U256{});
    ok(kAlice, encode("createDirectory(string)", {"d"}));  // a directory takes 4096
    EXPECT_EQ(view_word(encode("getOccupiedSpace(address)", {kAlice})), U256{4096});
    refused(kAlice, encode("startUpload(string,uint256)", {"big", 100 * kMegabyte + 1}),
            "File should be less than 100 MB");
}

TEST_F(FileStorageTest, FilesRoundTripByteIdentically)
{
    allow(kAlice, 64 * kMegabyte);
    for (const size_t n : {size_t{0}, size_t{1}, size_t{4096}, size_t{kMegabyte},
                           size_t{kMegabyte + 1}, size_t{3 * kMegabyte + 12345}})
    {
        std::string name = "f";
        name += std::to_string(n);
        const Bytes data = pattern(n, static_cast<uint8_t>(n));
        upload(kAlice, name, data);
        EXPECT_EQ(view_word(encode("getFileStatus(string)", {sp(kAlice, name)})), U256{2});
        EXPECT_EQ(download(sp(kAlice, name)), data) << n;
    }
    // A read across a chunk boundary, and Solidity's bounds.
    const auto r = call(kBob, encode("readChunk(string,uint256,uint256)",
                                     {sp(kAlice, "f1048577"), kMegabyte - 2, 3}));
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    const Bytes whole = pattern(kMegabyte + 1, static_cast<uint8_t>(kMegabyte + 1));
    EXPECT_EQ(Bytes(r.output.begin(), r.output.begin() + 3), Bytes(whole.end() - 3, whole.end()));
    refused(kBob, encode("readChunk(string,uint256,uint256)", {sp(kAlice, "f1"), 0, 2}),
            "Incorrect chunk position");
    refused(kBob, encode("readChunk(string,uint256,uint256)", {sp(kAlice, "f1"), 0, 0}),
            "Incorrect chunk length");
    refused(kBob,
            encode("readChunk(string,uint256,uint256)", {sp(kAlice, "f1").insert(0, "zz"), 0, 1}),
            "Invalid storagePath");
    // Upper-case owner digits name the same namespace.
    std::string upper = hex40(kAlice);
    for (auto& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    upper += "/f1";
    EXPECT_EQ(view_word(encode("getFileSize(string)", {upper})), U256{1});
}

TEST_F(FileStorageTest, UploadRulesAndTheirRevertStrings)
{
    allow(kAlice, 64 * kMegabyte);
    const size_t size = 2 * kMegabyte + 10;
    ok(kAlice, encode("startUpload(string,uint256)", {"u", size}));
    EXPECT_EQ(view_word(encode("getFileStatus(string)", {sp(kAlice, "u")})), U256{1});
    EXPECT_EQ(view_word(encode("getFileSize(string)", {sp(kAlice, "u")})), U256{size});
    refused(kBob, encode("readChunk(string,uint256,uint256)", {sp(kAlice, "u"), 0, 1}),
            "File hasn't been uploaded");
    refused(kAlice, encode("startUpload(string,uint256)", {"u", 1}), "File or directory exists");
    const Bytes mib = pattern(kMegabyte, 1);
    refused(kAlice, encode("uploadChunk(string,uint256,bytes)", {"u", 1, mib}),
            "Incorrect chunk position");
    refused(kAlice, encode("uploadChunk(string,uint256,bytes)", {"u", 3 * kMegabyte, mib}),
            "Incorrect chunk position");
    refused(kAlice, encode("uploadChunk(string,uint256,bytes)", {"u", 0, Bytes(10)}),
            "Incorrect chunk length");
    // SKALE's quirk: a full chunk at the last position passes the length check and fails later.
    refused(kAlice, encode("uploadChunk(string,uint256,bytes)", {"u", 2 * kMegabyte, mib}),
            "Chunk wasn't uploaded");
    ok(kAlice, encode("uploadChunk(string,uint256,bytes)", {"u", 0, mib}));
    refused(kAlice, encode("uploadChunk(string,uint256,bytes)", {"u", 0, mib}),
            "Chunk is already uploaded");
    refused(kAlice, encode("finishUpload(string)", {"u"}), "File hasn't been uploaded correctly");
    const auto listing = list(sp(kAlice, ""));
    ASSERT_EQ(listing.size(), 1u);
    EXPECT_EQ(listing[0].chunks, (std::vector<bool>{true, false, false}));
    EXPECT_EQ(listing[0].status, 1u);
    refused(kAlice, encode("uploadChunk(string,uint256,bytes)", {"nope", 0, mib}), "Invalid path");
    refused(kAlice, encode("finishUpload(string)", {"nope"}), "Invalid path");
    refused(kAlice, encode("deleteFile(string)", {"nope"}), "Invalid path");
    refused(kBob, encode("getFileSize(string)", {sp(kAlice, "nope")}), "Invalid path");
    EXPECT_EQ(view_word(encode("getFileStatus(string)", {sp(kAlice, "nope")})), U256{});
    // Names: "." and "..", empty, 256 bytes.
    refused(kAlice, encode("startUpload(string,uint256)", {"..", 1}), "Filename should be < 256");
    refused(kAlice, encode("startUpload(string,uint256)", {std::string(256, 'n'), 1}),
            "Filename should be < 256");
    ok(kAlice, encode("startUpload(string,uint256)", {std::string(255, 'n'), 1}));
    // Unfinished files can be deleted; their space comes back.
    ok(kAlice, encode("deleteFile(string)", {"u"}));
    EXPECT_EQ(view_word(encode("getFileStatus(string)", {sp(kAlice, "u")})), U256{});
    EXPECT_EQ(view_word(encode("getOccupiedSpace(address)", {kAlice})), U256{4096});
}

TEST_F(FileStorageTest, DirectoriesNestListAndDeleteOnlyWhenEmpty)
{
    allow(kAlice, 64 * kMegabyte);
    refused(kAlice, encode("createDirectory(string)", {""}), "Invalid path");
    ok(kAlice, encode("createDirectory(string)", {"docs"}));
    ok(kAlice, encode("createDirectory(string)", {"docs/img"}));
    refused(kAlice, encode("createDirectory(string)", {"docs/img"}), "File or directory exists");
    refused(kAlice, encode("createDirectory(string)", {"nope/img"}), "Invalid path");
    refused(kAlice, encode("createDirectory(string)", {"docs/.."}), "Invalid directory name");
    upload(kAlice, "docs/img/a.png", pattern(10, 1));
    upload(kAlice, "docs/b.txt", pattern(5000, 2));
    upload(kAlice, "docs/c.txt", pattern(1, 3));
    refused(kAlice, encode("createDirectory(string)", {"docs/c.txt/x"}), "Directory not created");

    auto docs = list(sp(kAlice, "docs/"));  // the library adds the trailing "/"
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0].name, "img");
    EXPECT_FALSE(docs[0].is_file);
    EXPECT_EQ(docs[1].name, "b.txt");
    EXPECT_TRUE(docs[1].is_file);
    EXPECT_EQ(docs[1].size, U256{5000});
    EXPECT_EQ(docs[1].status, 2u);
    EXPECT_EQ(docs[1].chunks, std::vector<bool>{true});
    EXPECT_EQ(list(sp(kAlice, "docs/img")).size(), 1u);
    EXPECT_EQ(list(sp(kAlice, "")).size(), 1u);
    refused(kBob, encode("listDirectory(string)", {sp(kAlice, "nope/")}), "Invalid path");

    refused(kAlice, encode("deleteDirectory(string)", {"docs/img"}), "Directory is not empty");
    refused(kAlice, encode("deleteDirectory(string)", {"docs/none"}), "Invalid path");
    refused(kAlice, encode("deleteDirectory(string)", {"docs/b.txt"}), "Directory is not deleted");
    refused(kAlice, encode("deleteFile(string)", {"docs/img"}), "File not exists");
    ok(kAlice, encode("deleteFile(string)", {"docs/img/a.png"}));
    ok(kAlice, encode("deleteDirectory(string)", {"docs/img"}));
    // SKALE's order: the last entry takes the removed one's place.
    docs = list(sp(kAlice, "docs"));
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].name, "c.txt");
    EXPECT_EQ(docs[1].name, "b.txt");
    // A name can be used again once it is free.
    ok(kAlice, encode("createDirectory(string)", {"docs/img"}));
    EXPECT_TRUE(list(sp(kAlice, "docs/img")).empty());
}

TEST_F(FileStorageTest, WritesGoToTheCallersNamespaceOnly)
{
    allow(kAlice, 32 * kMegabyte);
    allow(kBob, 32 * kMegabyte);
    upload(kAlice, "mine", pattern(100, 7));
    // Bob's writes name his own namespace: he cannot touch Alice's file.
    refused(kBob, encode("deleteFile(string)", {"mine"}), "Invalid path");
    refused(kBob, encode("deleteFile(string)", {sp(kAlice, "mine")}), "Invalid path");
    upload(kBob, "mine", pattern(3, 8));
    EXPECT_EQ(download(sp(kAlice, "mine")), pattern(100, 7));
    EXPECT_EQ(download(sp(kBob, "mine")), pattern(3, 8));
}

TEST_F(FileStorageTest, FailedCallsLeaveNothingBehind)
{
    allow(kAlice, 64 * kMegabyte);
    ok(kAlice, encode("startUpload(string,uint256)", {"f", 100}));
    const Bytes data = pattern(100, 9);
    // Out of gas: the chunk is not stored, not flagged, and its blob is gone.
    const auto r = call(kAlice, encode("uploadChunk(string,uint256,bytes)", {"f", 0, data}), 3000);
    EXPECT_EQ(r.status, evm::Status::OutOfGas);
    EXPECT_FALSE(backend_.read_blob(keccak256(data)));
    EXPECT_EQ(list(sp(kAlice, ""))[0].chunks, std::vector<bool>{false});
    // A static call cannot write; value is refused; unknown selectors and bad data revert bare.
    EXPECT_EQ(
        call(kAlice, encode("uploadChunk(string,uint256,bytes)", {"f", 0, data}), 100'000'000, true)
            .status,
        evm::Status::StaticModeViolation);
    const auto unknown = call(kAlice, encode("nothing()", {}));
    EXPECT_EQ(unknown.status, evm::Status::Revert);
    EXPECT_TRUE(unknown.output.empty());
    Bytes bad = encode("deleteFile(string)", {"f"});
    bad[4 + 31] = 0xff;  // the string's offset points past the data
    const auto malformed = call(kAlice, bad);
    EXPECT_EQ(malformed.status, evm::Status::Revert);
    EXPECT_TRUE(malformed.output.empty());
    ok(kAlice, encode("uploadChunk(string,uint256,bytes)", {"f", 0, data}));
    ok(kAlice, encode("finishUpload(string)", {"f"}));
    EXPECT_TRUE(backend_.read_blob(keccak256(data)));
}

TEST_F(FileStorageTest, AOneMegabyteChunkCostsItsWordsNotMore)
{
    allow(kAlice, 64 * kMegabyte);
    ok(kAlice, encode("startUpload(string,uint256)", {"f", kMegabyte}));
    const auto input = encode("uploadChunk(string,uint256,bytes)", {"f", 0, pattern(kMegabyte, 1)});
    const int64_t gas = 100'000'000;
    const auto r = call(kAlice, input, gas);
    ASSERT_EQ(r.status, evm::Status::Success) << reason(r);
    const int64_t used = gas - r.gas_left;
    // 32768 words at 12 gas plus a handful of slots: far below the 160 M filestorage.js sends.
    EXPECT_GT(used, 32768 * 12);
    EXPECT_LT(used, 500'000);
}

}  // namespace
}  // namespace tern::filestorage
