#include "evm/opcodes.hpp"

#include "evm/analysis.hpp"

#include <gtest/gtest.h>

namespace tern::evm {
namespace {

TEST(Opcodes, TableCountsCancunInstructions)
{
    int defined = 0;
    for (int i = 0; i < 256; ++i)
        defined += kOpcodeTraits[static_cast<size_t>(i)].defined ? 1 : 0;
    EXPECT_EQ(defined, 149);
}

TEST(Opcodes, CancunAdditionsAreDefined)
{
    for (Op op :
         {Op::PUSH0, Op::MCOPY, Op::TLOAD, Op::TSTORE, Op::BLOBHASH, Op::BLOBBASEFEE, Op::BASEFEE,
          Op::PREVRANDAO, Op::CHAINID, Op::SELFBALANCE, Op::SHL, Op::SHR, Op::SAR, Op::CREATE2,
          Op::EXTCODEHASH, Op::RETURNDATASIZE, Op::RETURNDATACOPY, Op::STATICCALL, Op::REVERT})
        EXPECT_TRUE(kOpcodeTraits[static_cast<uint8_t>(op)].defined) << static_cast<int>(op);
}

TEST(Opcodes, UndefinedBytes)
{
    for (int b :
         {0x0c, 0x0f, 0x1e, 0x21, 0x2f, 0x4b, 0x4f, 0xa5, 0xb0, 0xef, 0xf6, 0xf9, 0xfb, 0xfc})
    {
        EXPECT_FALSE(kOpcodeTraits[static_cast<size_t>(b)].defined) << b;
        EXPECT_EQ(opcode_name(static_cast<uint8_t>(b)), "UNDEFINED");
    }
}

TEST(Opcodes, Names)
{
    EXPECT_EQ(opcode_name(0x00), "STOP");
    EXPECT_EQ(opcode_name(0x20), "KECCAK256");
    EXPECT_EQ(opcode_name(0x44), "PREVRANDAO");
    EXPECT_EQ(opcode_name(0x5f), "PUSH0");
    EXPECT_EQ(opcode_name(0x7f), "PUSH32");
    EXPECT_EQ(opcode_name(0x8f), "DUP16");
    EXPECT_EQ(opcode_name(0x9f), "SWAP16");
    EXPECT_EQ(opcode_name(0xa4), "LOG4");
    EXPECT_EQ(opcode_name(0xfe), "INVALID");
    EXPECT_EQ(opcode_name(0xff), "SELFDESTRUCT");
}

TEST(Opcodes, StackEffects)
{
    const auto& t = kOpcodeTraits;
    EXPECT_EQ(t[0x80].stack_in, 1);  // DUP1
    EXPECT_EQ(t[0x80].stack_out, 2);
    EXPECT_EQ(t[0x9f].stack_in, 17);  // SWAP16
    EXPECT_EQ(t[0x9f].stack_out, 17);
    EXPECT_EQ(t[0xf1].stack_in, 7);  // CALL
    EXPECT_EQ(t[0xf4].stack_in, 6);  // DELEGATECALL
    EXPECT_EQ(t[0xfa].stack_in, 6);  // STATICCALL
    EXPECT_EQ(t[0xf5].stack_in, 4);  // CREATE2
    EXPECT_EQ(t[0xa4].stack_in, 6);  // LOG4
    EXPECT_EQ(t[0x3c].stack_in, 4);  // EXTCODECOPY
    EXPECT_EQ(t[0x5e].stack_in, 3);  // MCOPY
}

TEST(Opcodes, BaseGas)
{
    const auto& t = kOpcodeTraits;
    EXPECT_EQ(t[0x01].base_gas, 3);      // ADD
    EXPECT_EQ(t[0x0a].base_gas, 10);     // EXP
    EXPECT_EQ(t[0x20].base_gas, 30);     // KECCAK256
    EXPECT_EQ(t[0x31].base_gas, 100);    // BALANCE (warm)
    EXPECT_EQ(t[0x40].base_gas, 20);     // BLOCKHASH
    EXPECT_EQ(t[0x47].base_gas, 5);      // SELFBALANCE
    EXPECT_EQ(t[0x54].base_gas, 100);    // SLOAD (warm)
    EXPECT_EQ(t[0x5b].base_gas, 1);      // JUMPDEST
    EXPECT_EQ(t[0x5c].base_gas, 100);    // TLOAD
    EXPECT_EQ(t[0x5d].base_gas, 100);    // TSTORE
    EXPECT_EQ(t[0x5f].base_gas, 2);      // PUSH0
    EXPECT_EQ(t[0xa2].base_gas, 1125);   // LOG2
    EXPECT_EQ(t[0xf0].base_gas, 32000);  // CREATE
    EXPECT_EQ(t[0xf5].base_gas, 32000);  // CREATE2
    EXPECT_EQ(t[0xff].base_gas, 5000);   // SELFDESTRUCT
}

TEST(Analysis, JumpdestsSkipPushData)
{
    // PUSH1 0x5b JUMPDEST PUSH2 0x5b5b JUMPDEST
    const Bytes code{0x60, 0x5b, 0x5b, 0x61, 0x5b, 0x5b, 0x5b};
    const CodeAnalysis a{code};
    EXPECT_EQ(a.size(), code.size());
    EXPECT_FALSE(a.is_jumpdest(0));
    EXPECT_FALSE(a.is_jumpdest(1));
    EXPECT_TRUE(a.is_jumpdest(2));
    EXPECT_FALSE(a.is_jumpdest(4));
    EXPECT_FALSE(a.is_jumpdest(5));
    EXPECT_TRUE(a.is_jumpdest(6));
    EXPECT_FALSE(a.is_jumpdest(7));
    EXPECT_FALSE(a.is_jumpdest(1000));
}

TEST(Analysis, PaddingIsZeros)
{
    const Bytes code{0x7f};  // truncated PUSH32
    const CodeAnalysis a{code};
    EXPECT_EQ(a.padded_code()[0], 0x7f);
    for (size_t i = 1; i < 1 + kCodePadding; ++i)
        EXPECT_EQ(a.padded_code()[i], 0) << i;
    EXPECT_EQ(a.code().size(), 1u);
}

TEST(Analysis, JumpdestAcrossBitmapWords)
{
    Bytes code(200, 0x5b);
    code[63] = 0x60;  // PUSH1 hides byte 64
    const CodeAnalysis a{code};
    EXPECT_TRUE(a.is_jumpdest(62));
    EXPECT_FALSE(a.is_jumpdest(63));
    EXPECT_FALSE(a.is_jumpdest(64));
    EXPECT_TRUE(a.is_jumpdest(65));
    EXPECT_TRUE(a.is_jumpdest(199));
    EXPECT_FALSE(a.is_jumpdest(200));
}

// ---- the fork axis ----------------------------------------------------------------------

TEST(OpcodeForks, PragueAndOsakaEqualCancunToday)
{
    // No opcode has SINCE later than Cancun until the EOF / Osaka issues add them.
    for (Fork fork : {Fork::Prague, Fork::Osaka})
    {
        const OpcodeTraitsTable& t = opcode_traits(fork);
        for (size_t b = 0; b < 256; ++b)
            EXPECT_EQ(t[b], kOpcodeTraits[b]) << fork_name(fork) << " byte " << b;
    }
    EXPECT_EQ(&opcode_traits(Fork::Cancun), &kOpcodeTraits);
    EXPECT_EQ(&opcode_traits(Fork::Prague), &kPragueOpcodeTraits);
    EXPECT_EQ(&opcode_traits(Fork::Osaka), &kOsakaOpcodeTraits);
}

TEST(OpcodeForks, EveryOpcodeRowIsCancun)
{
    int rows = 0;
    for (const detail::OpcodeRow& r : detail::kOpcodeRows)
    {
        EXPECT_EQ(r.since, Fork::Cancun) << r.name;
        ++rows;
    }
    EXPECT_EQ(rows, kCancunOpcodeCount);
}

// A synthetic row of a later fork (not a real opcode): 0xe0 with SINCE = Prague, 0xe1 with
// SINCE = Osaka, beside a Cancun row.
constexpr detail::OpcodeRow kSyntheticRows[] = {
    {0x01, "ADD", 2, 1, 3, Fork::Cancun},
    {0xe0, "PRAGUE_OP", 0, 1, 2, Fork::Prague},
    {0xe1, "OSAKA_OP", 1, 1, 5, Fork::Osaka},
};
constexpr OpcodeTraitsTable kSyntheticCancun =
    detail::build_opcode_traits(kSyntheticRows, Fork::Cancun);
constexpr OpcodeTraitsTable kSyntheticPrague =
    detail::build_opcode_traits(kSyntheticRows, Fork::Prague);
constexpr OpcodeTraitsTable kSyntheticOsaka =
    detail::build_opcode_traits(kSyntheticRows, Fork::Osaka);

static_assert(kSyntheticCancun[0x01].defined && !kSyntheticCancun[0xe0].defined &&
                  !kSyntheticCancun[0xe1].defined,
              "an opcode with SINCE = Prague is undefined in Cancun's table");
static_assert(kSyntheticCancun[0xe0] == OpcodeTraits{}, "undefined bytes are all-zero traits");
static_assert(kSyntheticPrague[0xe0].defined && kSyntheticPrague[0xe0].name == "PRAGUE_OP" &&
              !kSyntheticPrague[0xe1].defined);
static_assert(kSyntheticOsaka[0xe0].defined && kSyntheticOsaka[0xe1].defined &&
              kSyntheticOsaka[0xe1].base_gas == 5);

TEST(OpcodeForks, LaterForkOpcodeUndefinedInEarlierTable)
{
    EXPECT_FALSE(kSyntheticCancun[0xe0].defined);
    EXPECT_FALSE(kSyntheticCancun[0xe1].defined);
    EXPECT_TRUE(kSyntheticPrague[0xe0].defined);
    EXPECT_FALSE(kSyntheticPrague[0xe1].defined);
    EXPECT_TRUE(kSyntheticOsaka[0xe1].defined);
    EXPECT_EQ(kSyntheticOsaka[0xe1].stack_in, 1);
    for (const auto* t : {&kSyntheticCancun, &kSyntheticPrague, &kSyntheticOsaka})
        EXPECT_EQ((*t)[0x01], kOpcodeTraits[0x01]);
}

}  // namespace
}  // namespace tern::evm
