// Runs ethereum/tests RLPTests: valid cases must encode to `out` and round-trip through the
// generic decoder; "INVALID" cases must fail to decode; "VALID" cases must decode.
#include "core/hex.hpp"
#include "core/rlp_decode.hpp"
#include "core/rlp_encode.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace tern;
using namespace tern::rlp;
namespace fs = std::filesystem;

namespace {

/// Decimal string to minimal big-endian bytes (arbitrary size: fixtures include 2^256).
Bytes decimal_to_be(std::string_view dec)
{
    Bytes be;  // big-endian magnitude
    for (char c : dec)
    {
        unsigned carry = static_cast<unsigned>(c - '0');
        for (auto it = be.rbegin(); it != be.rend(); ++it)
        {
            const unsigned v = *it * 10u + carry;
            *it = static_cast<uint8_t>(v);
            carry = v >> 8;
        }
        while (carry)
        {
            be.insert(be.begin(), static_cast<uint8_t>(carry));
            carry >>= 8;
        }
    }
    return Bytes(trim_leading_zeros(be).begin(), trim_leading_zeros(be).end());
}

/// The expected item tree of a fixture's `in` value.
RlpItem to_item(const nlohmann::json& j)
{
    RlpItem item;
    if (j.is_array())
    {
        item.is_list = true;
        for (const auto& e : j)
            item.items.push_back(to_item(e));
    }
    else if (j.is_number_unsigned() || j.is_number_integer())
    {
        uint8_t be[8];
        const auto v = j.get<uint64_t>();
        for (int i = 0; i < 8; ++i)
            be[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
        const auto t = trim_leading_zeros({be, 8});
        item.bytes.assign(t.begin(), t.end());
    }
    else
    {
        const auto s = j.get<std::string>();
        if (!s.empty() && s[0] == '#')
            item.bytes = decimal_to_be(std::string_view(s).substr(1));
        else
            item.bytes = to_bytes(as_bytes(s));
    }
    return item;
}

struct Counts
{
    int valid_ok = 0, valid_fail = 0, invalid_ok = 0, invalid_fail = 0, decodable_ok = 0,
        decodable_fail = 0;
};

void run_case(const std::string& name, const nlohmann::json& tc, Counts& c)
{
    const auto out = from_hex(tc.at("out").get<std::string>());
    ASSERT_TRUE(out.has_value()) << name;
    const auto& in = tc.at("in");
    if (in.is_string() && in.get<std::string>() == "INVALID")
    {
        const auto r = decode_item_exact(*out);
        if (r.has_value())
        {
            ++c.invalid_fail;
            ADD_FAILURE() << name << ": invalid RLP decoded";
        }
        else
            ++c.invalid_ok;
        return;
    }
    if (in.is_string() && in.get<std::string>() == "VALID")
    {
        const auto r = decode_item_exact(*out);
        if (!r.has_value())
        {
            ++c.decodable_fail;
            ADD_FAILURE() << name << ": " << to_string(r.error());
        }
        else if (encode_item(*r) != *out)
        {
            ++c.decodable_fail;
            ADD_FAILURE() << name << ": re-encoding differs";
        }
        else
            ++c.decodable_ok;
        return;
    }
    const RlpItem expected = to_item(in);
    const Bytes encoded = encode_item(expected);
    const auto decoded = decode_item_exact(*out);
    bool ok = true;
    if (encoded != *out)
    {
        ok = false;
        ADD_FAILURE() << name << ": encoding " << to_hex(encoded) << " != " << to_hex(*out);
    }
    if (!decoded.has_value())
    {
        ok = false;
        ADD_FAILURE() << name << ": decode failed: " << to_string(decoded.error());
    }
    else if (!(*decoded == expected))
    {
        ok = false;
        ADD_FAILURE() << name << ": decoded tree differs";
    }
    ok ? ++c.valid_ok : ++c.valid_fail;
}

}  // namespace

TEST(RlpFixtures, AllRlpTests)
{
    const fs::path dir = fs::path(TERN_FIXTURES_DIR) / "RLPTests";
    ASSERT_TRUE(fs::exists(dir)) << dir;
    Counts c;
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
    {
        if (!entry.is_regular_file() || entry.path().extension() != ".json")
            continue;
        ++files;
        std::ifstream f(entry.path());
        const auto doc = nlohmann::json::parse(f);
        for (const auto& [name, tc] : doc.items())
            run_case(entry.path().filename().string() + "/" + name, tc, c);
    }
    EXPECT_GE(files, 3);
    std::printf(
        "RLPTests: %d files; valid round-trip %d passed %d failed; INVALID rejected %d, "
        "accepted %d; VALID decoded %d, failed %d\n",
        files, c.valid_ok, c.valid_fail, c.invalid_ok, c.invalid_fail, c.decodable_ok,
        c.decodable_fail);
    EXPECT_GT(c.valid_ok, 0);
    EXPECT_GT(c.invalid_ok, 0);
}
