#include "core/abi.hpp"

#include "core/hex.hpp"

#include <gtest/gtest.h>

namespace tern::abi {
namespace {

TEST(Abi, Selector)
{
    EXPECT_EQ(selector("transfer(address,uint256)"), 0xa9059cbbu);
    EXPECT_EQ(selector("Error(string)"), kErrorSelector);
    EXPECT_EQ(selector("Panic(uint256)"), kPanicSelector);
    EXPECT_EQ(selector_of(*from_hex("0xa9059cbb00")), 0xa9059cbbu);
    EXPECT_EQ(selector_of(*from_hex("0xa9059c")), std::nullopt);
}

TEST(Abi, EncodeAndRead)
{
    const std::vector<U256> words{U256{7}, U256::from_address(address_from_u64(0xbeef))};
    const Bytes call = encode_call("f(uint256,address,bytes)", words, as_bytes("hello"));
    ASSERT_EQ(call.size(), 4u + 3 * 32 + 32 + 32);
    EXPECT_EQ(selector_of(call), selector("f(uint256,address,bytes)"));
    const Reader r{BytesView(call).subspan(4)};
    EXPECT_EQ(r.word(0), U256{7});
    EXPECT_EQ(r.u32(0), 7u);
    EXPECT_EQ(r.u64(0), 7u);
    EXPECT_EQ(r.address(1), address_from_u64(0xbeef));
    EXPECT_EQ(r.address(0), address_from_u64(7));
    const auto b = r.bytes(2);
    ASSERT_TRUE(b);
    EXPECT_EQ(std::string(b->begin(), b->end()), "hello");
    EXPECT_EQ(r.string(2), "hello");
    EXPECT_EQ(r.word(6), std::nullopt);   // past the end
    EXPECT_EQ(r.bytes(0), std::nullopt);  // offset 7 is not a valid tail

    const Bytes big = encode_word(U256::max());
    EXPECT_EQ(Reader{big}.u32(0), std::nullopt);
    EXPECT_EQ(Reader{big}.u64(0), std::nullopt);
    EXPECT_EQ(Reader{big}.address(0), std::nullopt);
}

TEST(Abi, DynamicArrays)
{
    const std::vector<U256> items{U256{1}, U256{2}, U256{3}};
    const Bytes enc = encode_words(items);
    EXPECT_EQ(enc.size(), 64u + 3 * 32);
    EXPECT_EQ(Reader{enc}.words(0), items);
    const std::vector<Hash256> hashes{U256{1}.to_hash(), U256{2}.to_hash(), U256{3}.to_hash()};
    EXPECT_EQ(encode_bytes32_array(hashes), enc);
    Bytes truncated = enc;
    truncated.resize(truncated.size() - 1);
    EXPECT_EQ(Reader{truncated}.words(0), std::nullopt);
    EXPECT_EQ(encode_string("abc"), encode_bytes(as_bytes("abc")));
    EXPECT_EQ(to_hex(encode_bytes({})),
              "0x0000000000000000000000000000000000000000000000000000000000000020"
              "0000000000000000000000000000000000000000000000000000000000000000");
}

TEST(Abi, DecodeError)
{
    Bytes out = *from_hex(
        "08c379a0"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "0000000000000000000000000000000000000000000000000000000000000003"
        "6e6f700000000000000000000000000000000000000000000000000000000000");
    EXPECT_EQ(decode_error(out), "nop");
    EXPECT_EQ(encode_error("nop"), out);
    EXPECT_EQ(revert_message(out), "execution reverted: nop");
    out[4 + 63] = 0xff;  // length runs past the data
    EXPECT_FALSE(decode_error(out));
    EXPECT_EQ(revert_message(out), "execution reverted");
    EXPECT_FALSE(decode_error(Bytes{0x4e, 0x48, 0x7b, 0x71}));  // Panic selector only
}

TEST(Abi, UnpackRevert)
{
    const auto error = from_hex(
        "0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000"
        "00000000000000000000000000000000000000000000000009746f6f20736d616c6c00000000000000000000"
        "00000000000000000000000000");
    ASSERT_TRUE(error);
    EXPECT_EQ(unpack_revert(*error), "too small");
    const auto panic =
        from_hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000011");
    EXPECT_EQ(unpack_revert(*panic), "arithmetic underflow or overflow");
    EXPECT_EQ(encode_panic(0x11), *panic);
    const auto odd =
        from_hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000099");
    EXPECT_EQ(unpack_revert(*odd), "unknown panic code: 0x99");
    EXPECT_EQ(unpack_revert(*from_hex("0x12345678")), std::nullopt);
    EXPECT_EQ(unpack_revert(*from_hex("0x08c379a0")), std::nullopt);  // truncated
    // eth_call's message only names Error(string) reasons (as today).
    EXPECT_EQ(revert_message(*panic), "execution reverted");
}

}  // namespace
}  // namespace tern::abi
