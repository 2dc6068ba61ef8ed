#include "api/json/typed_data.hpp"

#include "api/json/typed_data_test_util.hpp"
#include "api/services/keys.hpp"
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "crypto/secp256k1.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace tern;
using namespace tern::api;
using nlohmann::json;

namespace {

/// The example of EIP-712 itself.
json mail_example()
{
    return json::parse(R"({
      "types": {
        "EIP712Domain": [
          {"name": "name", "type": "string"},
          {"name": "version", "type": "string"},
          {"name": "chainId", "type": "uint256"},
          {"name": "verifyingContract", "type": "address"}
        ],
        "Person": [
          {"name": "name", "type": "string"},
          {"name": "wallet", "type": "address"}
        ],
        "Mail": [
          {"name": "from", "type": "Person"},
          {"name": "to", "type": "Person"},
          {"name": "contents", "type": "string"}
        ]
      },
      "primaryType": "Mail",
      "domain": {
        "name": "Ether Mail",
        "version": "1",
        "chainId": 1,
        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
      },
      "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!"
      }
    })");
}

TEST(TypedData, EncodeTypeWithDependencies)
{
    const auto t = mail_example();
    const auto enc = typed_encode_type(t["types"], "Mail");
    ASSERT_TRUE(enc);
    EXPECT_EQ(*enc,
              "Mail(Person from,Person to,string contents)Person(string name,address wallet)");
}

TEST(TypedData, Eip712MailExample)
{
    const auto t = mail_example();
    const auto domain = typed_struct_hash(t["types"], "EIP712Domain", t["domain"]);
    ASSERT_TRUE(domain);
    EXPECT_EQ(to_hex(domain->view()),
              "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
    const auto message = typed_struct_hash(t["types"], "Mail", t["message"]);
    ASSERT_TRUE(message);
    EXPECT_EQ(to_hex(message->view()),
              "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
    const auto digest = typed_data_hash(t);
    ASSERT_TRUE(digest) << digest.error().message;
    EXPECT_EQ(to_hex(digest->view()),
              "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");

    // The EIP's signature with the key keccak256("cow").
    const auto sig = sign_hash_65(*digest, keccak256(as_bytes("cow")));
    ASSERT_TRUE(sig);
    EXPECT_EQ(to_hex(*sig),
              "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
              "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c");
}

TEST(TypedData, DomainTypeDerivedWhenAbsent)
{
    auto t = mail_example();
    t["types"].erase("EIP712Domain");
    const auto digest = typed_data_hash(t);
    ASSERT_TRUE(digest);
    EXPECT_EQ(to_hex(digest->view()),
              "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
}

TEST(TypedData, NumbersAsStringsAndHex)
{
    auto a = mail_example();
    auto b = mail_example();
    b["domain"]["chainId"] = "0x1";
    auto c = mail_example();
    c["domain"]["chainId"] = "1";
    EXPECT_EQ(typed_data_hash(a)->bytes, typed_data_hash(b)->bytes);
    EXPECT_EQ(typed_data_hash(a)->bytes, typed_data_hash(c)->bytes);
}

TEST(TypedData, ArraysBytesAndSignedIntegers)
{
    const json types = json::parse(R"({
      "T": [
        {"name": "xs", "type": "uint8[]"},
        {"name": "b", "type": "bytes"},
        {"name": "b4", "type": "bytes4"},
        {"name": "i", "type": "int8"},
        {"name": "ok", "type": "bool"}
      ]
    })");
    const json value = {
        {"xs", {1, 2}}, {"b", "0xdead"}, {"b4", "0x01020304"}, {"i", -1}, {"ok", true}};
    const auto h = typed_struct_hash(types, "T", value);
    ASSERT_TRUE(h) << h.error().message;

    // Recompute by hand: keccak(typeHash ++ keccak(enc(1) ++ enc(2)) ++ keccak(0xdead) ++
    // bytes4 padded right ++ int8 -1 as 2^256-1 ++ 1).
    Bytes buf;
    const auto append = [&](const Hash256& x) {
        buf.insert(buf.end(), x.bytes.begin(), x.bytes.end());
    };
    append(keccak256(as_bytes("T(uint8[] xs,bytes b,bytes4 b4,int8 i,bool ok)")));
    Bytes xs;
    for (uint64_t v : {1, 2})
    {
        const auto w = U256{v}.to_hash();
        xs.insert(xs.end(), w.bytes.begin(), w.bytes.end());
    }
    append(keccak256(xs));
    append(keccak256(Bytes{0xde, 0xad}));
    Hash256 b4;
    b4.bytes[0] = 1;
    b4.bytes[1] = 2;
    b4.bytes[2] = 3;
    b4.bytes[3] = 4;
    append(b4);
    append(U256::max().to_hash());
    append(U256{1}.to_hash());
    EXPECT_EQ(*h, keccak256(buf));
}

TEST(TypedData, Errors)
{
    auto t = mail_example();
    t["primaryType"] = "Nope";
    EXPECT_FALSE(typed_data_hash(t));
    auto u = mail_example();
    u["message"]["from"]["wallet"] = "0x1234";
    EXPECT_FALSE(typed_data_hash(u));
    EXPECT_FALSE(typed_data_hash(json::array()));
    const json types = {{"T", {{{"name", "x"}, {"type", "uint8"}}}}};
    EXPECT_FALSE(typed_struct_hash(types, "T", {{"x", 256}}));
    EXPECT_TRUE(typed_struct_hash(types, "T", {{"x", 255}}));
}

TEST(TypedData, HostileInputsFailWithoutRecursingAway)
{
    // A self-referencing type with the value missing: a zero word, not endless recursion.
    const json self = {
        {"Node", {{{"name", "next"}, {"type", "Node"}}, {{"name", "v"}, {"type", "uint256"}}}}};
    EXPECT_TRUE(typed_struct_hash(self, "Node", {{"v", 1}}));
    // Deep values: refused.
    json deep = {{"v", 1}};
    for (int i = 0; i < 100; ++i)
        deep = {{"next", deep}};
    EXPECT_FALSE(typed_struct_hash(self, "Node", deep));
    // An array type with thousands of dimensions.
    std::string t(5 + 2 * 5000, ']');
    t.replace(0, 5, "uint8");
    for (size_t i = 0; i < 5000; ++i)
        t[5 + 2 * i] = '[';
    const json arr_types = {{"T", {{{"name", "x"}, {"type", t}}}}};
    json v = json::array();
    for (int i = 0; i < 100; ++i)
        v = json::array({v});
    EXPECT_FALSE(typed_struct_hash(arr_types, "T", {{"x", v}}));
    // A long chain of types T0 -> T1 -> ... (encodeType walks it without recursion).
    const auto type_name = [](int i) {
        std::string s = std::to_string(i);
        s.insert(s.begin(), 'T');
        return s;
    };
    json chain = json::object();
    for (int i = 0; i < 2000; ++i)
        chain[type_name(i)] = {{{"name", "n"}, {"type", type_name(i + 1)}}};
    chain["T2000"] = json::array();
    EXPECT_FALSE(typed_encode_type(chain, "T0"));  // more than the type limit
}

TEST(TypedDataParam, StringFormHashesAsTheObjectForm)
{
    const json typed = mail_example();
    const auto from_object = typed_data_param_hash(typed);
    const auto from_string = typed_data_param_hash(json(typed.dump()));
    ASSERT_TRUE(from_object) << from_object.error().message;
    ASSERT_TRUE(from_string) << from_string.error().message;
    EXPECT_EQ(*from_object, *from_string);
    EXPECT_EQ(*from_object, *typed_data_hash(typed));
    EXPECT_EQ(typed_data_param_hash(json("{not json")).error().message, "invalid typed data JSON");
}

// The remote crash of issue 10: the string form was parsed without the request body's nesting
// limit, and a message 80,000 structs deep (half a megabyte) overflowed the stack when copied.
TEST(TypedDataParam, DeepStringFormIsRefusedBeforeParsing)
{
    const auto r = typed_data_param_hash(json(test_data::self_referencing_typed_data(80'000)));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "typed data JSON nested deeper than 128 levels");
    EXPECT_EQ(typed_data_param_hash(json(test_data::self_referencing_typed_data(80'000)), 1'000'000)
                  .error()
                  .message,
              "typed data nested too deeply")
        << "with a larger limit the encoder's own depth bound still holds";
}

// Within the body's 128 levels, the encoder's recursion over the type graph is bounded on its
// own: a self-referencing type 120 deep, arrays of arrays.
TEST(TypedDataParam, DeepValuesWithinTheJsonLimitAreRefusedByTheEncoder)
{
    const auto deep =
        typed_data_param_hash(json::parse(test_data::self_referencing_typed_data(120)));
    ASSERT_FALSE(deep);
    EXPECT_EQ(deep.error().message, "typed data nested too deeply");
    EXPECT_TRUE(typed_data_param_hash(json::parse(test_data::self_referencing_typed_data(60))));

    json arrays = json::array();
    for (int i = 0; i < 120; ++i)
        arrays = json::array({arrays});
    std::string type = "uint8";
    for (int i = 0; i < 121; ++i)
        type += "[]";
    const json typed = {
        {"types", {{"EIP712Domain", json::array()}, {"A", {{{"name", "x"}, {"type", type}}}}}},
        {"primaryType", "A"},
        {"domain", json::object()},
        {"message", {{"x", arrays}}}};
    const auto r = typed_data_param_hash(typed);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "typed data nested too deeply");
}

// Missing fields encode as zero words without recursing, so work is not bounded by the input's
// size: a type of 20,000 fields and 50,000 empty instances of it took minutes. The work budget
// refuses it at once.
TEST(TypedDataParam, WorkIsBoundedNotJustDepth)
{
    // "f" + std::to_string(i) trips GCC 12's -Wrestrict false positive.
    const auto named = [](char prefix, int i) {
        std::string s = std::to_string(i);
        s.insert(s.begin(), prefix);
        return s;
    };
    json wide = json::array();
    for (int i = 0; i < 20'000; ++i)
        wide.push_back({{"name", named('f', i)}, {"type", "uint8"}});
    const json typed = {
        {"types",
         {{"EIP712Domain", json::array()}, {"W", wide}, {"P", {{{"name", "w"}, {"type", "W[]"}}}}}},
        {"primaryType", "P"},
        {"domain", json::object()},
        {"message", {{"w", json::array()}}}};
    json many = typed;
    for (int i = 0; i < 50'000; ++i)
        many["message"]["w"].push_back(json::object());
    // The refusal is the budget's (a step count, not a clock): without it this runs for minutes.
    const auto r = typed_data_param_hash(many);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "typed data too large");
    // A few instances of the same wide type are fine: the type hash is computed once.
    json few = typed;
    for (int i = 0; i < 10; ++i)
        few["message"]["w"].push_back(json::object());
    EXPECT_TRUE(typed_data_param_hash(few));

    // encodeType over many large types: 1,000 types of 100 fields in one cycle, each hashed.
    json types = {{"EIP712Domain", json::array()}};
    json primary = json::array();
    json message = json::object();
    for (int t = 0; t < 1000; ++t)
    {
        json fields = json::array();
        for (int f = 0; f < 100; ++f)
            fields.push_back({{"name", named('f', f)}, {"type", named('T', (t + 1) % 1000)}});
        types[named('T', t)] = fields;
        primary.push_back({{"name", named('t', t)}, {"type", named('T', t)}});
        message[named('t', t)] = json::object();
    }
    types["P"] = primary;
    const json cyclic_typed = {
        {"types", types}, {"primaryType", "P"}, {"domain", json::object()}, {"message", message}};
    const auto cyclic = typed_data_param_hash(cyclic_typed);
    ASSERT_FALSE(cyclic);
    EXPECT_EQ(cyclic.error().message, "typed data too large");
}

}  // namespace
