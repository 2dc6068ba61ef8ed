#include "filestorage/file_storage_precompile.hpp"

#include "core/abi.hpp"
#include "core/keccak.hpp"
#include "filestorage/access_control.hpp"
#include "filestorage/constants.hpp"
#include "filestorage/file_system.hpp"
#include "filestorage/layout.hpp"
#include "filestorage/path.hpp"
#include "filestorage/store.hpp"
#include "state/state.hpp"

#include <array>
#include <string_view>

namespace tern::filestorage {

namespace {

constexpr uint64_t kCallGas = 2'000;
constexpr uint64_t kReadGas = 200;
constexpr uint64_t kWriteGas = 5'000;
constexpr uint64_t kBlobWordGas = 12;
constexpr uint64_t kOutputWordGas = 3;

/// The functions of the ABI.
enum class Fn : uint8_t
{
    AllocatorRole,
    DefaultAdminRole,
    EmptyIndex,
    MaxBlockCount,
    MaxFileSize,
    Megabyte,
    StorageSpaceSlot,
    GetRoleAdmin,
    GetRoleMember,
    GetRoleMemberCount,
    GrantRole,
    HasRole,
    RenounceRole,
    RevokeRole,
    SupportsInterface,
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

struct Signature
{
    const char* text;
    Fn fn;
    bool writes;
};

constexpr Signature kSignatures[] = {
    {"ALLOCATOR_ROLE()", Fn::AllocatorRole, false},
    {"DEFAULT_ADMIN_ROLE()", Fn::DefaultAdminRole, false},
    {"EMPTY_INDEX()", Fn::EmptyIndex, false},
    {"MAX_BLOCK_COUNT()", Fn::MaxBlockCount, false},
    {"MAX_FILESIZE()", Fn::MaxFileSize, false},
    {"MEGABYTE()", Fn::Megabyte, false},
    {"STORAGE_SPACE_SLOT()", Fn::StorageSpaceSlot, false},
    {"getRoleAdmin(bytes32)", Fn::GetRoleAdmin, false},
    {"getRoleMember(bytes32,uint256)", Fn::GetRoleMember, false},
    {"getRoleMemberCount(bytes32)", Fn::GetRoleMemberCount, false},
    {"grantRole(bytes32,address)", Fn::GrantRole, true},
    {"hasRole(bytes32,address)", Fn::HasRole, false},
    {"renounceRole(bytes32,address)", Fn::RenounceRole, true},
    {"revokeRole(bytes32,address)", Fn::RevokeRole, true},
    {"supportsInterface(bytes4)", Fn::SupportsInterface, false},
    {"reserveSpace(address,uint256)", Fn::ReserveSpace, true},
    {"createDirectory(string)", Fn::CreateDirectory, true},
    {"deleteDirectory(string)", Fn::DeleteDirectory, true},
    {"startUpload(string,uint256)", Fn::StartUpload, true},
    {"uploadChunk(string,uint256,bytes)", Fn::UploadChunk, true},
    {"finishUpload(string)", Fn::FinishUpload, true},
    {"deleteFile(string)", Fn::DeleteFile, true},
    {"readChunk(string,uint256,uint256)", Fn::ReadChunk, false},
    {"listDirectory(string)", Fn::ListDirectory, false},
    {"getFileStatus(string)", Fn::GetFileStatus, false},
    {"getFileSize(string)", Fn::GetFileSize, false},
    {"getTotalStorageSpace()", Fn::GetTotalStorageSpace, false},
    {"getTotalReservedSpace()", Fn::GetTotalReservedSpace, false},
    {"getReservedSpace(address)", Fn::GetReservedSpace, false},
    {"getOccupiedSpace(address)", Fn::GetOccupiedSpace, false},
    {"getMaxContentCount()", Fn::GetMaxContentCount, false},
    {"getMaxChunkSize()", Fn::GetMaxChunkSize, false},
};

constexpr size_t kFunctionCount = std::size(kSignatures);

/// (selector, index into kSignatures), sorted by selector: built once.
const std::array<std::pair<uint32_t, size_t>, kFunctionCount>& selectors()
{
    static const auto table = [] {
        std::array<std::pair<uint32_t, size_t>, kFunctionCount> t{};
        for (size_t i = 0; i < kFunctionCount; ++i)
            t[i] = {abi::selector(kSignatures[i].text), i};
        std::sort(t.begin(), t.end());
        return t;
    }();
    return table;
}

const Signature* find_function(uint32_t selector)
{
    const auto& t = selectors();
    const auto it = std::lower_bound(t.begin(), t.end(), std::pair<uint32_t, size_t>{selector, 0});
    if (it == t.end() || it->first != selector)
        return nullptr;
    return &kSignatures[it->second];
}

Hash256 topic(std::string_view event)
{
    return keccak256(as_bytes(event));
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

Bytes bool_word(bool b)
{
    return abi::encode_word(U256{b ? 1u : 0u});
}

evm::ExecResult failed(evm::Status status)
{
    evm::ExecResult r;
    r.status = status;
    return r;
}

/// A revert with `output` (empty: Solidity's bare revert).
evm::ExecResult reverted(int64_t gas_left, Bytes output = {})
{
    evm::ExecResult r;
    r.status = evm::Status::Revert;
    r.gas_left = gas_left;
    r.output = std::move(output);
    return r;
}

Bytes failure_data(const Failure& f)
{
    return f.panic ? abi::encode_panic(f.panic) : abi::encode_error(f.reason);
}

/// What a call did: its output or its failure.
struct Outcome
{
    bool ok = true;
    Bytes output;  ///< return data, or revert data when !ok
};

Outcome ok(Bytes out)
{
    return {true, std::move(out)};
}

Outcome refuse(const Failure& f)
{
    return {false, failure_data(f)};
}

Outcome refuse(std::string reason)
{
    return {false, abi::encode_error(reason)};
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
    const int64_t gas = msg.gas;
    if (gas < static_cast<int64_t>(kCallGas))
        return failed(evm::Status::OutOfGas);
    const int64_t after_call = gas - static_cast<int64_t>(kCallGas);
    // Solidity's dispatcher: no selector or an unknown one, or value sent to a non-payable
    // function, reverts with no data.
    const auto sel = abi::selector_of(msg.input);
    const Signature* fn = sel ? find_function(*sel) : nullptr;
    if (!fn || msg.value)
        return reverted(after_call);
    if (fn->writes)
    {
        if (msg.is_static)
            return failed(evm::Status::StaticModeViolation);  // as SSTORE in a static frame
        if (msg.kind != evm::CallKind::Call)
            return reverted(after_call, abi::encode_error("FileStorage: writes need a plain CALL"));
    }

    const abi::Reader args{msg.input.subspan(4)};
    StateStore store{state};
    FileSystem fs{store};
    AccessControl roles{store};
    const Address& sender = msg.sender;
    bool malformed = false;
    const auto str = [&](size_t i) {
        auto s = args.string(i);
        if (!s)
            malformed = true;
        return s ? std::move(*s) : std::string{};
    };
    const auto word = [&](size_t i) {
        auto w = args.word(i);
        if (!w)
            malformed = true;
        return w ? *w : U256{};
    };
    const auto address = [&](size_t i) {
        auto a = args.address(i);
        if (!a)
            malformed = true;
        return a ? *a : Address{};
    };
    // A view taking a storage path as its first argument: "Invalid storagePath" unless it
    // parses (a malformed call is a bare revert, decided after the other arguments).
    const auto at_storage_path = [&](const auto& view) -> Outcome {
        const std::string text = str(0);
        if (malformed)
            return {};
        const auto sp = parse_storage_path(text);
        if (!sp)
            return refuse("Invalid storagePath");
        return view(*sp);
    };
    const auto role_event = [&](std::string_view event, const Hash256& role, const Address& who) {
        const Hash256 topics[] = {topic(event), role, U256::from_address(who).to_hash(),
                                  U256::from_address(sender).to_hash()};
        host.emit_log(kFileStorageAddress, {}, topics);
    };

    Outcome out;
    switch (fn->fn)
    {
        case Fn::AllocatorRole:
            out = ok(abi::encode_word(U256::from_hash(allocator_role())));
            break;
        case Fn::DefaultAdminRole:
        case Fn::EmptyIndex:
            out = ok(abi::encode_word(U256{}));
            break;
        case Fn::MaxBlockCount:
            out = ok(abi::encode_word(U256{kMaxBlockCount}));
            break;
        case Fn::MaxFileSize:
            out = ok(abi::encode_word(U256{kMaxFileSize}));
            break;
        case Fn::Megabyte:
            out = ok(abi::encode_word(U256{kMegabyte}));
            break;
        case Fn::StorageSpaceSlot:
            out = ok(abi::encode_word(layout::storage_space_slot()));
            break;
        case Fn::GetRoleAdmin:
        {
            const U256 role = word(0);
            out = ok(abi::encode_word(U256::from_hash(roles.role_admin(role.to_hash()))));
            break;
        }
        case Fn::GetRoleMember:
        {
            const U256 role = word(0);
            const U256 index = word(1);
            const auto m =
                index.fits_u64() ? roles.member(role.to_hash(), index.low64()) : std::nullopt;
            out = m ? ok(abi::encode_word(U256::from_address(*m)))
                    : Outcome{false, abi::encode_panic(0x32)};
            break;
        }
        case Fn::GetRoleMemberCount:
            out = ok(abi::encode_word(U256{roles.member_count(word(0).to_hash())}));
            break;
        case Fn::HasRole:
        {
            const U256 role = word(0);
            const Address who = address(1);
            out = ok(bool_word(roles.has_role(role.to_hash(), who)));
            break;
        }
        case Fn::GrantRole:
        case Fn::RevokeRole:
        {
            const Hash256 role = word(0).to_hash();
            const Address who = address(1);
            if (malformed)
                break;
            const Hash256 admin = roles.role_admin(role);
            if (!roles.has_role(admin, sender))
            {
                out = refuse(AccessControl::missing_role(sender, admin));
                break;
            }
            if (fn->fn == Fn::GrantRole ? roles.grant(role, who) : roles.revoke(role, who))
                role_event(fn->fn == Fn::GrantRole ? "RoleGranted(bytes32,address,address)"
                                                   : "RoleRevoked(bytes32,address,address)",
                           role, who);
            out = ok({});
            break;
        }
        case Fn::RenounceRole:
        {
            const Hash256 role = word(0).to_hash();
            const Address who = address(1);
            if (malformed)
                break;
            if (who != sender)
            {
                out = refuse("AccessControl: can only renounce roles for self");
                break;
            }
            if (roles.revoke(role, who))
                role_event("RoleRevoked(bytes32,address,address)", role, who);
            out = ok({});
            break;
        }
        case Fn::SupportsInterface:
        {
            const U256 w = word(0);
            if (w.w[0] != 0 || w.w[1] != 0 || (w.w[2] != 0) || (w.w[3] & 0xffffffffULL) != 0)
            {
                malformed = true;  // bytes4 with dirty low bytes
                break;
            }
            const uint32_t id = static_cast<uint32_t>(w.w[3] >> 32);
            out = ok(bool_word(id == 0x01ffc9a7 || id == 0x7965db0b || id == 0x5a05180f));
            break;
        }
        case Fn::ReserveSpace:
        {
            const Address user = address(0);
            const U256 amount = word(1);
            if (malformed)
                break;
            if (!roles.has_role(allocator_role(), sender))
            {
                out = refuse("Caller is not allowed to reserve space");
                break;
            }
            out = done(fs.reserve_space(user, amount));
            break;
        }
        case Fn::CreateDirectory:
        case Fn::DeleteDirectory:
        case Fn::FinishUpload:
        case Fn::DeleteFile:
        {
            const std::string path = str(0);
            if (!malformed)
                out = done((fs.*path_write(fn->fn))(sender, path));
            break;
        }
        case Fn::StartUpload:
        {
            const std::string path = str(0);
            const U256 size = word(1);
            if (!malformed)
                out = done(fs.start_upload(sender, path, size));
            break;
        }
        case Fn::UploadChunk:
        {
            const std::string path = str(0);
            const U256 position = word(1);
            const auto data = args.bytes(2);
            if (!data)
                malformed = true;
            if (!malformed)
                out = done(fs.upload_chunk(sender, path, position, *data));
            break;
        }
        case Fn::ReadChunk:
        {
            const U256 position = word(1);
            const U256 length = word(2);
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
        case Fn::ListDirectory:
            out = at_storage_path([&](const StoragePath& sp) {
                auto r = fs.list_directory(sp.owner, sp.path);
                return r ? ok(encode_listing(*r)) : refuse(r.error());
            });
            break;
        case Fn::GetFileStatus:
            out = at_storage_path([&](const StoragePath& sp) {
                const auto status = fs.file_status(sp.owner, sp.path);
                return ok(abi::encode_word(U256{static_cast<uint64_t>(status)}));
            });
            break;
        case Fn::GetFileSize:
            out = at_storage_path([&](const StoragePath& sp) {
                auto r = fs.file_size(sp.owner, sp.path);
                return r ? ok(abi::encode_word(U256{*r})) : refuse(r.error());
            });
            break;
        case Fn::GetTotalStorageSpace:
            out = ok(abi::encode_word(fs.total_space()));
            break;
        case Fn::GetTotalReservedSpace:
            out = ok(abi::encode_word(fs.total_reserved_space()));
            break;
        case Fn::GetReservedSpace:
        {
            const Address who = address(0);
            if (!malformed)
                out = ok(abi::encode_word(fs.reserved_space(who)));
            break;
        }
        case Fn::GetOccupiedSpace:
        {
            const Address who = address(0);
            if (!malformed)
                out = ok(abi::encode_word(fs.occupied_space(who)));
            break;
        }
        case Fn::GetMaxContentCount:
            out = ok(abi::encode_word(U256{kMaxContentCount}));
            break;
        case Fn::GetMaxChunkSize:
            out = ok(abi::encode_word(U256{kChunkSize}));
            break;
    }

    // Gas for the work done; a call whose gas does not cover it fails (the host undoes it).
    const uint64_t work = store.reads() * kReadGas + store.writes() * kWriteGas +
                          (store.blob_bytes() + 31) / 32 * kBlobWordGas +
                          (out.output.size() + 31) / 32 * kOutputWordGas;
    if (work > static_cast<uint64_t>(after_call))
        return failed(evm::Status::OutOfGas);
    const int64_t left = after_call - static_cast<int64_t>(work);
    if (malformed)
        return reverted(left);  // Solidity's ABI decoder: a bare revert
    if (!out.ok)
        return reverted(left, std::move(out.output));
    evm::ExecResult r;
    r.gas_left = left;
    r.output = std::move(out.output);
    return r;
}

}  // namespace tern::filestorage
