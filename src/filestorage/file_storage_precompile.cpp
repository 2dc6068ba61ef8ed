#include "filestorage/file_storage_precompile.hpp"

#include "core/abi.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/file_system.hpp"
#include "filestorage/layout.hpp"
#include "filestorage/path.hpp"
#include "predeployed/access_control.hpp"
#include "predeployed/native_call.hpp"
#include "predeployed/store.hpp"
#include "state/state.hpp"

#include <string_view>

namespace tern::filestorage {

namespace {

using predeployed::ok;
using predeployed::Outcome;
using predeployed::refuse;

/// Gas per 32-byte word of chunk data stored or read.
constexpr uint64_t kBlobWordGas = 12;

/// The functions of the ABI (besides AccessControlEnumerable's: predeployed::role_functions).
enum Fn : uint16_t
{
    AllocatorRole,
    EmptyIndex,
    MaxBlockCount,
    MaxFileSize,
    Megabyte,
    StorageSpaceSlot,
    ReserveSpace,
    CreateDirectory,
    DeleteDirectory,
    StartUpload,
    UploadChunk,
    FinishUpload,
    DeleteFile,
    ReadChunk,
    ListDirectory,
    GetFileStatus,
    GetFileSize,
    GetTotalStorageSpace,
    GetTotalReservedSpace,
    GetReservedSpace,
    GetOccupiedSpace,
    GetMaxContentCount,
    GetMaxChunkSize,
};

const predeployed::FunctionTable& functions()
{
    static const predeployed::FunctionTable table = [] {
        return predeployed::table_with_roles({
            {"ALLOCATOR_ROLE()", AllocatorRole},
            {"EMPTY_INDEX()", EmptyIndex},
            {"MAX_BLOCK_COUNT()", MaxBlockCount},
            {"MAX_FILESIZE()", MaxFileSize},
            {"MEGABYTE()", Megabyte},
            {"STORAGE_SPACE_SLOT()", StorageSpaceSlot},
            {"reserveSpace(address,uint256)", ReserveSpace, true},
            {"createDirectory(string)", CreateDirectory, true},
            {"deleteDirectory(string)", DeleteDirectory, true},
            {"startUpload(string,uint256)", StartUpload, true},
            {"uploadChunk(string,uint256,bytes)", UploadChunk, true},
            {"finishUpload(string)", FinishUpload, true},
            {"deleteFile(string)", DeleteFile, true},
            {"readChunk(string,uint256,uint256)", ReadChunk},
            {"listDirectory(string)", ListDirectory},
            {"getFileStatus(string)", GetFileStatus},
            {"getFileSize(string)", GetFileSize},
            {"getTotalStorageSpace()", GetTotalStorageSpace},
            {"getTotalReservedSpace()", GetTotalReservedSpace},
            {"getReservedSpace(address)", GetReservedSpace},
            {"getOccupiedSpace(address)", GetOccupiedSpace},
            {"getMaxContentCount()", GetMaxContentCount},
            {"getMaxChunkSize()", GetMaxChunkSize},
        });
    }();
    return table;
}

// ---- ABI encoding of results ----

void append_padded(Bytes& out, BytesView data)
{
    out.insert(out.end(), data.begin(), data.end());
    out.resize(out.size() + (32 - data.size() % 32) % 32, 0);
}

/// abi.encode(ContentInfo[]) with ContentInfo = (string, bool, uint256, uint8, bool[]).
Bytes encode_listing(const std::vector<ListedEntry>& entries)
{
    Bytes out;
    abi::append_word(out, U256{32});
    abi::append_word(out, U256{entries.size()});
    std::vector<Bytes> tuples;
    tuples.reserve(entries.size());
    for (const auto& e : entries)
    {
        Bytes t;
        const uint64_t name_words = (e.name.size() + 31) / 32;
        abi::append_word(t, U256{5 * 32});
        abi::append_word(t, U256{e.is_file ? 1u : 0u});
        abi::append_word(t, U256{e.size});
        abi::append_word(t, U256{static_cast<uint64_t>(e.status)});
        abi::append_word(t, U256{5 * 32 + 32 + name_words * 32});
        abi::append_word(t, U256{e.name.size()});
        append_padded(t, as_bytes(e.name));
        abi::append_word(t, U256{e.chunk_uploaded.size()});
        for (const bool b : e.chunk_uploaded)
            abi::append_word(t, U256{b ? 1u : 0u});
        tuples.push_back(std::move(t));
    }
    uint64_t offset = 32 * entries.size();
    for (const auto& t : tuples)
    {
        abi::append_word(out, U256{offset});
        offset += t.size();
    }
    for (const auto& t : tuples)
        out.insert(out.end(), t.begin(), t.end());
    return out;
}

/// The revert of a file system failure: Error(reason) or Panic(code).
Outcome refuse(const Failure& f)
{
    return f.panic ? predeployed::panic(f.panic) : refuse(f.reason);
}

Outcome done(const FsResult<Done>& r)
{
    return r ? ok({}) : refuse(r.error());
}

using PathWrite = FsResult<Done> (FileSystem::*)(const Address&, std::string_view);

/// The FileSystem function of a write whose one argument is a path.
PathWrite path_write(Fn fn)
{
    switch (fn)
    {
        case Fn::CreateDirectory:
            return &FileSystem::create_directory;
        case Fn::DeleteDirectory:
            return &FileSystem::delete_directory;
        case Fn::FinishUpload:
            return &FileSystem::finish_upload;
        default:
            return &FileSystem::delete_file;
    }
}

}  // namespace

evm::ExecResult FileStoragePrecompile::execute(const evm::Message& msg,
                                               state::State& state,
                                               evm::Host& host,
                                               const Deadline*)
{
    // Solidity's dispatcher: no selector or an unknown one, or value sent to a non-payable
    // function, reverts with no data; a write in a static frame fails like SSTORE.
    const predeployed::Function* fn = predeployed::find_function(functions(), msg.input);
    if (auto refused = predeployed::check_dispatch(msg, fn, "FileStorage"))
        return std::move(*refused);

    predeployed::Args args{msg.input.subspan(4)};
    predeployed::StateStore store{state, kFileStorageAddress};
    FileSystem fs{store};
    predeployed::AccessControl roles{store};
    const Address& sender = msg.sender;
    // A view taking a storage path as its first argument: "Invalid storagePath" unless it
    // parses (a malformed call is a bare revert, decided after the other arguments).
    const auto at_storage_path = [&](const auto& view) -> Outcome {
        const std::string text = args.string(0);
        if (args.malformed())
            return {};
        const auto sp = parse_storage_path(text);
        if (!sp)
            return refuse("Invalid storagePath");
        return view(*sp);
    };

    Outcome out;
    if (predeployed::is_role_function(*fn))
        out = predeployed::call_role_function(*fn, args, roles, sender, kFileStorageAddress, host);
    else
        switch (static_cast<Fn>(fn->id))
        {
            case AllocatorRole:
                out = ok(abi::encode_word(U256::from_hash(allocator_role())));
                break;
            case EmptyIndex:
                out = ok(abi::encode_word(U256{}));
                break;
            case MaxBlockCount:
                out = ok(abi::encode_word(U256{kMaxBlockCount}));
                break;
            case MaxFileSize:
                out = ok(abi::encode_word(U256{kMaxFileSize}));
                break;
            case Megabyte:
                out = ok(abi::encode_word(U256{kMegabyte}));
                break;
            case StorageSpaceSlot:
                out = ok(abi::encode_word(layout::storage_space_slot()));
                break;
            case ReserveSpace:
            {
                const Address user = args.address(0);
                const U256 amount = args.word(1);
                if (args.malformed())
                    break;
                if (!roles.has_role(allocator_role(), sender))
                {
                    out = refuse("Caller is not allowed to reserve space");
                    break;
                }
                out = done(fs.reserve_space(user, amount));
                break;
            }
            case CreateDirectory:
            case DeleteDirectory:
            case FinishUpload:
            case DeleteFile:
            {
                const std::string path = args.string(0);
                if (!args.malformed())
                    out = done((fs.*path_write(static_cast<Fn>(fn->id)))(sender, path));
                break;
            }
            case StartUpload:
            {
                const std::string path = args.string(0);
                const U256 size = args.word(1);
                if (!args.malformed())
                    out = done(fs.start_upload(sender, path, size));
                break;
            }
            case UploadChunk:
            {
                const std::string path = args.string(0);
                const U256 position = args.word(1);
                const BytesView data = args.bytes(2);
                if (!args.malformed())
                    out = done(fs.upload_chunk(sender, path, position, data));
                break;
            }
            case ReadChunk:
            {
                const U256 position = args.word(1);
                const U256 length = args.word(2);
                out = at_storage_path([&](const StoragePath& sp) {
                    auto r = fs.read_chunk(sp.owner, sp.path, position, length);
                    if (!r)
                        return refuse(r.error());
                    Bytes data = std::move(*r);
                    data.resize(kMaxBlockCount * 32, 0);  // bytes32[32768]: always 1 MiB
                    return ok(std::move(data));
                });
                break;
            }
            case ListDirectory:
                out = at_storage_path([&](const StoragePath& sp) {
                    auto r = fs.list_directory(sp.owner, sp.path);
                    return r ? ok(encode_listing(*r)) : refuse(r.error());
                });
                break;
            case GetFileStatus:
                out = at_storage_path([&](const StoragePath& sp) {
                    const auto status = fs.file_status(sp.owner, sp.path);
                    return ok(abi::encode_word(U256{static_cast<uint64_t>(status)}));
                });
                break;
            case GetFileSize:
                out = at_storage_path([&](const StoragePath& sp) {
                    auto r = fs.file_size(sp.owner, sp.path);
                    return r ? ok(abi::encode_word(U256{*r})) : refuse(r.error());
                });
                break;
            case GetTotalStorageSpace:
                out = ok(abi::encode_word(fs.total_space()));
                break;
            case GetTotalReservedSpace:
                out = ok(abi::encode_word(fs.total_reserved_space()));
                break;
            case GetReservedSpace:
            {
                const Address who = args.address(0);
                if (!args.malformed())
                    out = ok(abi::encode_word(fs.reserved_space(who)));
                break;
            }
            case GetOccupiedSpace:
            {
                const Address who = args.address(0);
                if (!args.malformed())
                    out = ok(abi::encode_word(fs.occupied_space(who)));
                break;
            }
            case GetMaxContentCount:
                out = ok(abi::encode_word(U256{kMaxContentCount}));
                break;
            case GetMaxChunkSize:
                out = ok(abi::encode_word(U256{kChunkSize}));
                break;
        }

    // Gas for the work done; a call whose gas does not cover it fails (the host undoes it).
    return predeployed::finish(msg, std::move(out), args, store,
                               (store.blob_bytes() + 31) / 32 * kBlobWordGas);
}

}  // namespace tern::filestorage
