// abci.proto against CometBFT's own .proto files (from the Go module cache that `go install`
// filled): every message, field number, type and enum value Tern declares must be CometBFT's.
// Skipped when the module cache or protoc is missing.
#include "abci/application.hpp"

#include <google/protobuf/descriptor.pb.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#ifndef TERN_PROTOC
#    define TERN_PROTOC "protoc"
#endif
#ifndef TERN_GOMODCACHE
#    define TERN_GOMODCACHE ""
#endif

namespace tern::abci {
namespace {

namespace fs = std::filesystem;
namespace gp = google::protobuf;

/// The CometBFT version scripts/setup installs.
constexpr const char* kCometbftModule = "github.com/cometbft/cometbft@v0.38.26";

/// Messages and enums by name without package ("Request", "ResponseOfferSnapshot.Result").
struct Index
{
    std::map<std::string, gp::DescriptorProto> messages;
    std::map<std::string, std::map<std::string, int>> enums;

    void add_enum(const std::string& name, const gp::EnumDescriptorProto& e)
    {
        for (const auto& value : e.value())
            enums[name][value.name()] = value.number();
    }
    void add(const std::string& prefix, const gp::DescriptorProto& m)
    {
        const std::string name = prefix + m.name();
        messages[name] = m;
        for (const auto& e : m.enum_type())
            add_enum(name + "." + e.name(), e);
        for (const auto& nested : m.nested_type())
            add(name + ".", nested);
    }
    void add(const gp::FileDescriptorProto& file)
    {
        for (const auto& m : file.message_type())
            add("", m);
        for (const auto& e : file.enum_type())
            add_enum(e.name(), e);
    }
};

std::string last_component(const std::string& type_name)
{
    return type_name.substr(type_name.rfind('.') + 1);
}

/// string and bytes are one wire type; abci.proto declares CometBFT's strings as bytes.
int wire_type(gp::FieldDescriptorProto::Type type)
{
    return type == gp::FieldDescriptorProto::TYPE_STRING ? gp::FieldDescriptorProto::TYPE_BYTES
                                                         : type;
}

TEST(AbciWireCompat, MatchesCometbftProtoFiles)
{
    std::string modcache = TERN_GOMODCACHE;
    if (const char* env = std::getenv("GOMODCACHE"); env != nullptr && *env != '\0')
        modcache = env;
    const fs::path comet = fs::path(modcache) / kCometbftModule / "proto";
    if (modcache.empty() || !fs::exists(comet / "tendermint/abci/types.proto"))
        GTEST_SKIP() << "CometBFT sources not in the Go module cache (" << comet << ")";
    fs::path gogo;
    for (const auto& entry : fs::directory_iterator(fs::path(modcache) / "github.com/cosmos"))
        if (entry.path().filename().string().starts_with("gogoproto@"))
            gogo = entry.path();
    if (gogo.empty())
        GTEST_SKIP() << "gogoproto not in the Go module cache";

    const fs::path out =
        fs::temp_directory_path() / ("tern-abci-comet-" + std::to_string(::getpid()) + ".pb");
    const std::string command =
        std::string(TERN_PROTOC) + " -I" + comet.string() + " -I" + gogo.string() +
        " --include_imports --descriptor_set_out=" + out.string() + " tendermint/abci/types.proto";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    gp::FileDescriptorSet set;
    {
        std::ifstream in(out, std::ios::binary);
        ASSERT_TRUE(set.ParseFromIstream(&in));
    }
    fs::remove(out);
    Index cometbft;
    for (const auto& file : set.file())
        cometbft.add(file);

    gp::FileDescriptorProto ours_file;
    Request::descriptor()->file()->CopyTo(&ours_file);
    Index ours;
    ours.add(ours_file);
    ASSERT_GT(ours.messages.size(), 50u);

    for (const auto& [name, message] : ours.messages)
    {
        auto it = cometbft.messages.find(name);
        ASSERT_NE(it, cometbft.messages.end()) << name << " is not a CometBFT message";
        std::map<std::string, gp::FieldDescriptorProto> theirs;
        for (const auto& field : it->second.field())
            theirs[field.name()] = field;
        for (const auto& field : message.field())
        {
            SCOPED_TRACE(name + "." + field.name());
            auto their = theirs.find(field.name());
            ASSERT_NE(their, theirs.end()) << "no such field in CometBFT";
            EXPECT_EQ(field.number(), their->second.number());
            EXPECT_EQ(field.label(), their->second.label());
            EXPECT_EQ(wire_type(field.type()), wire_type(their->second.type()));
            EXPECT_EQ(last_component(field.type_name()), last_component(their->second.type_name()));
            EXPECT_EQ(field.has_oneof_index(), their->second.has_oneof_index());
        }
    }
    for (const auto& [name, values] : ours.enums)
    {
        auto it = cometbft.enums.find(name);
        ASSERT_NE(it, cometbft.enums.end()) << name << " is not a CometBFT enum";
        EXPECT_EQ(values, it->second) << name;
    }
}

}  // namespace
}  // namespace tern::abci
