#include "abci/framing.hpp"

#include "abci/application.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tern::abci {
namespace {

std::string bytes(std::initializer_list<int> values)
{
    std::string out;
    for (int v : values)
        out.push_back(static_cast<char>(v));
    return out;
}

std::string uvarint(uint64_t value)
{
    std::string out;
    append_uvarint(out, value);
    return out;
}

/// Drains every complete frame; fails the test on a framing error.
std::vector<std::string> drain(FrameDecoder& decoder)
{
    std::vector<std::string> frames;
    for (;;)
    {
        auto frame = decoder.next();
        EXPECT_TRUE(frame.has_value());
        if (!frame || !*frame)
            return frames;
        frames.emplace_back(**frame);
    }
}

TEST(Framing, UvarintMatchesGoPutUvarint)
{
    EXPECT_EQ(uvarint(0), bytes({0x00}));
    EXPECT_EQ(uvarint(1), bytes({0x01}));
    EXPECT_EQ(uvarint(127), bytes({0x7f}));
    EXPECT_EQ(uvarint(128), bytes({0x80, 0x01}));
    EXPECT_EQ(uvarint(300), bytes({0xac, 0x02}));
    EXPECT_EQ(uvarint(UINT64_MAX),
              bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(Framing, MessagesHaveCometbftWireBytes)
{
    // Request{echo: {message: "hi"}}: oneof field 1, nested field 1; Request{flush: {}}: field 2.
    Request echo;
    echo.mutable_echo()->set_message("hi");
    std::string out;
    ASSERT_TRUE(append_message(out, echo));
    EXPECT_EQ(out, bytes({0x06, 0x0a, 0x04, 0x0a, 0x02, 'h', 'i'}));

    Request flush;
    flush.mutable_flush();
    out.clear();
    ASSERT_TRUE(append_message(out, flush));
    EXPECT_EQ(out, bytes({0x02, 0x12, 0x00}));

    // Response{echo: "hi"} is field 2, Response{finalize_block: {app_hash: 01}} is field 21.
    Response response;
    response.mutable_echo()->set_message("hi");
    out.clear();
    ASSERT_TRUE(append_message(out, response));
    EXPECT_EQ(out, bytes({0x06, 0x12, 0x04, 0x0a, 0x02, 'h', 'i'}));
    Response finalize;
    finalize.mutable_finalize_block()->set_app_hash(std::string(1, '\x01'));
    out.clear();
    ASSERT_TRUE(append_message(out, finalize));
    EXPECT_EQ(out, bytes({0x06, 0xaa, 0x01, 0x03, 0x2a, 0x01, 0x01}));
}

TEST(Framing, SeveralFramesInOneRead)
{
    std::string stream;
    append_frame(stream, "one");
    append_frame(stream, "");
    append_frame(stream, std::string(300, 'x'));
    FrameDecoder decoder;
    decoder.feed(stream);
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{"one", "", std::string(300, 'x')}));
    EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(Framing, ViewsStayValidUntilNextFeed)
{
    std::string stream;
    append_frame(stream, "first");
    append_frame(stream, "second");
    FrameDecoder decoder;
    decoder.feed(stream);
    auto a = decoder.next();
    auto b = decoder.next();
    ASSERT_TRUE(a && *a && b && *b);
    EXPECT_EQ(**a, "first");
    EXPECT_EQ(**b, "second");
}

TEST(Framing, ByteByByte)
{
    std::string stream;
    append_frame(stream, std::string(200, 'a'));  // two-byte prefix
    append_frame(stream, "b");
    FrameDecoder decoder;
    std::vector<std::string> frames;
    for (char c : stream)
    {
        decoder.feed(std::string_view(&c, 1));
        for (auto& f : drain(decoder))
            frames.push_back(f);
    }
    EXPECT_EQ(frames, (std::vector<std::string>{std::string(200, 'a'), "b"}));
}

TEST(Framing, PartialPrefixAndBodyWaitForMore)
{
    std::string stream;
    append_frame(stream, std::string(1000, 'z'));
    FrameDecoder decoder;
    decoder.feed(stream.substr(0, 1));  // first prefix byte has the continuation bit
    auto r = decoder.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
    decoder.feed(stream.substr(1, 500));
    r = decoder.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
    EXPECT_EQ(decoder.buffered(), 501u);
    decoder.feed(stream.substr(501));
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{std::string(1000, 'z')}));
}

TEST(Framing, MaxSizeIsInclusiveAndLargerIsRefusedBeforeTheBody)
{
    FrameDecoder decoder(16);
    std::string stream;
    append_frame(stream, std::string(16, 'k'));
    decoder.feed(stream);
    EXPECT_EQ(drain(decoder).size(), 1u);

    FrameDecoder small(16);
    small.feed(uvarint(17));  // only the prefix: refused at once
    auto r = small.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), FrameError::TooLarge);
    small.feed(std::string(17, 'k'));
    r = small.next();  // sticky
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), FrameError::TooLarge);
    EXPECT_EQ(to_string(FrameError::TooLarge), "message exceeds max size");
}

TEST(Framing, HugeLengthIsTooLarge)
{
    FrameDecoder decoder;
    decoder.feed(uvarint(UINT64_MAX));
    auto r = decoder.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), FrameError::TooLarge);
}

TEST(Framing, MalformedVarints)
{
    // Ten continuation bytes: longer than any 64-bit varint.
    FrameDecoder eleven;
    eleven.feed(std::string(10, '\xff'));
    auto r = eleven.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), FrameError::MalformedLength);

    // The 10th byte may only hold bit 63.
    FrameDecoder overflow;
    overflow.feed(std::string(9, '\xff') + '\x02');
    r = overflow.next();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), FrameError::MalformedLength);

    // Nine continuation bytes are still a prefix in progress.
    FrameDecoder partial;
    partial.feed(std::string(9, '\x80'));
    r = partial.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
}

TEST(Framing, NonMinimalPrefixIsAcceptedLikeGo)
{
    FrameDecoder decoder;
    decoder.feed(bytes({0x81, 0x00, 'q'}));  // 1 encoded in two bytes
    EXPECT_EQ(drain(decoder), (std::vector<std::string>{"q"}));
}

TEST(Framing, RequestRoundTripThroughTheDecoder)
{
    Request request;
    auto* finalize = request.mutable_finalize_block();
    finalize->set_height(42);
    finalize->add_txs(std::string(5000, '\x07'));
    finalize->add_txs("short");
    finalize->mutable_time()->set_seconds(1'700'000'000);
    std::string stream;
    ASSERT_TRUE(append_message(stream, request));
    FrameDecoder decoder;
    decoder.feed(stream);
    auto frames = drain(decoder);
    ASSERT_EQ(frames.size(), 1u);
    Request parsed;
    ASSERT_TRUE(parsed.ParseFromString(frames[0]));
    ASSERT_TRUE(parsed.has_finalize_block());
    EXPECT_EQ(parsed.finalize_block().height(), 42);
    ASSERT_EQ(parsed.finalize_block().txs_size(), 2);
    EXPECT_EQ(parsed.finalize_block().txs(0).size(), 5000u);
    EXPECT_EQ(parsed.finalize_block().time().seconds(), 1'700'000'000);
}

}  // namespace
}  // namespace tern::abci
