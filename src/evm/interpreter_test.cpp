// Core interpreter behaviour: arithmetic, stack checks, jumps, memory gas, environment, halts.

#include "evm/test_host.hpp"

#include <gtest/gtest.h>

namespace tern::evm::test {
namespace {

using Interpreter = EvmTest;

U256 word(std::string_view s)
{
    return *U256::from_string(s);
}

const U256 kMinusOne = U256::max();

// ---- arithmetic -----------------------------------------------------------------------------

TEST_F(Interpreter, AddMulSubOrder)
{
    EXPECT_EQ(result_word(Code{}.push(2).push(3).op(Op::ADD).ret_top()), U256{5});
    EXPECT_EQ(result_word(Code{}.push(6).push(7).op(Op::MUL).ret_top()), U256{42});
    // SUB computes top - second.
    EXPECT_EQ(result_word(Code{}.push(3).push(10).op(Op::SUB).ret_top()), U256{7});
    EXPECT_EQ(result_word(Code{}.push(10).push(3).op(Op::SUB).ret_top()), U256::max() - 6);
    EXPECT_EQ(result_word(Code{}.push(1).push(U256::max()).op(Op::ADD).ret_top()), U256{0});
}

TEST_F(Interpreter, DivisionFamily)
{
    EXPECT_EQ(result_word(Code{}.push(3).push(10).op(Op::DIV).ret_top()), U256{3});
    EXPECT_EQ(result_word(Code{}.push(0).push(10).op(Op::DIV).ret_top()), U256{0});
    EXPECT_EQ(result_word(Code{}.push(3).push(10).op(Op::MOD).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(0).push(10).op(Op::MOD).ret_top()), U256{0});
    // -10 / 3 = -3 (truncation), -10 % 3 = -1
    EXPECT_EQ(result_word(Code{}.push(3).push(-U256{10}).op(Op::SDIV).ret_top()), -U256{3});
    EXPECT_EQ(result_word(Code{}.push(3).push(-U256{10}).op(Op::SMOD).ret_top()), -U256{1});
    const U256 int_min = U256{1} << 255;
    EXPECT_EQ(result_word(Code{}.push(kMinusOne).push(int_min).op(Op::SDIV).ret_top()), int_min);
    // ADDMOD/MULMOD use the full-width intermediate.
    EXPECT_EQ(result_word(Code{}.push(10).push(1).push(U256::max()).op(Op::ADDMOD).ret_top()),
              U256{6});  // (2^256 - 1 + 1) mod 10 = 2^256 mod 10 = 6
    EXPECT_EQ(
        result_word(Code{}.push(12).push(U256::max()).push(U256::max()).op(Op::MULMOD).ret_top()),
        U256{9});  // (2^256-1)^2 mod 12 = 3^2 mod 12
    EXPECT_EQ(result_word(Code{}.push(0).push(5).push(5).op(Op::MULMOD).ret_top()), U256{0});
}

TEST_F(Interpreter, ExpValueAndGas)
{
    EXPECT_EQ(result_word(Code{}.push(10).push(2).op(Op::EXP).ret_top()), U256{1024});
    EXPECT_EQ(result_word(Code{}.push(256).push(2).op(Op::EXP).ret_top()), U256{0});
    // Gas: 2 pushes (6) + EXP 10 + 50 per exponent byte.
    EXPECT_EQ(gas_used(Code{}.push(0).push(7).op(Op::EXP)), 6 + 10);
    EXPECT_EQ(gas_used(Code{}.push(255).push(7).op(Op::EXP)), 6 + 10 + 50);
    EXPECT_EQ(gas_used(Code{}.push(256).push(7).op(Op::EXP)), 6 + 10 + 100);
    EXPECT_EQ(gas_used(Code{}.push(U256::max()).push(7).op(Op::EXP)), 6 + 10 + 50 * 32);
}

TEST_F(Interpreter, SignextendAndByte)
{
    EXPECT_EQ(result_word(Code{}.push(0xff).push(0).op(Op::SIGNEXTEND).ret_top()), kMinusOne);
    EXPECT_EQ(result_word(Code{}.push(0x7f).push(0).op(Op::SIGNEXTEND).ret_top()), U256{0x7f});
    EXPECT_EQ(result_word(Code{}.push(0x8000).push(1).op(Op::SIGNEXTEND).ret_top()),
              kMinusOne - 0x7fff);
    EXPECT_EQ(result_word(Code{}.push(0x1234).push(31).op(Op::SIGNEXTEND).ret_top()), U256{0x1234});
    EXPECT_EQ(result_word(Code{}.push(0x1234).push(31).op(Op::BYTE).ret_top()), U256{0x34});
    EXPECT_EQ(result_word(Code{}.push(0x1234).push(30).op(Op::BYTE).ret_top()), U256{0x12});
    EXPECT_EQ(result_word(Code{}.push(kMinusOne).push(32).op(Op::BYTE).ret_top()), U256{0});
}

TEST_F(Interpreter, Comparisons)
{
    EXPECT_EQ(result_word(Code{}.push(2).push(1).op(Op::LT).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(1).push(2).op(Op::LT).ret_top()), U256{0});
    EXPECT_EQ(result_word(Code{}.push(1).push(2).op(Op::GT).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(1).push(kMinusOne).op(Op::SLT).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(1).push(kMinusOne).op(Op::LT).ret_top()), U256{0});
    EXPECT_EQ(result_word(Code{}.push(kMinusOne).push(1).op(Op::SGT).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(5).push(5).op(Op::EQ).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(0).op(Op::ISZERO).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(9).op(Op::ISZERO).ret_top()), U256{0});
}

TEST_F(Interpreter, BitwiseAndShifts)
{
    EXPECT_EQ(result_word(Code{}.push(0b1100).push(0b1010).op(Op::AND).ret_top()), U256{0b1000});
    EXPECT_EQ(result_word(Code{}.push(0b1100).push(0b1010).op(Op::OR).ret_top()), U256{0b1110});
    EXPECT_EQ(result_word(Code{}.push(0b1100).push(0b1010).op(Op::XOR).ret_top()), U256{0b0110});
    EXPECT_EQ(result_word(Code{}.push(0).op(Op::NOT).ret_top()), kMinusOne);
    // SHL/SHR/SAR take the shift from the top.
    EXPECT_EQ(result_word(Code{}.push(1).push(4).op(Op::SHL).ret_top()), U256{16});
    EXPECT_EQ(result_word(Code{}.push(1).push(256).op(Op::SHL).ret_top()), U256{0});
    EXPECT_EQ(result_word(Code{}.push(16).push(4).op(Op::SHR).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.push(kMinusOne).push(4).op(Op::SAR).ret_top()), kMinusOne);
    EXPECT_EQ(result_word(Code{}.push(-U256{16}).push(2).op(Op::SAR).ret_top()), -U256{4});
    EXPECT_EQ(result_word(
                  Code{}.push(kMinusOne).push(word("0x100000000000000000")).op(Op::SAR).ret_top()),
              kMinusOne);
}

TEST_F(Interpreter, DupSwapPop)
{
    // 1 2 3 DUP3 -> top is 1
    EXPECT_EQ(result_word(Code{}.push(1).push(2).push(3).op(Op::DUP3).ret_top()), U256{1});
    // 1 2 3 SWAP2 -> 3 2 1, top is 1
    EXPECT_EQ(result_word(Code{}.push(1).push(2).push(3).op(Op::SWAP2).ret_top()), U256{1});
    Code c;
    for (int i = 1; i <= 17; ++i)
        c.push(static_cast<uint64_t>(i));
    EXPECT_EQ(result_word(Code{c}.op(Op::DUP16).ret_top()), U256{2});
    EXPECT_EQ(result_word(Code{c}.op(Op::SWAP16).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{c}.op(Op::SWAP16).op(Op::POP).op(Op::DUP16).ret_top()), U256{17});
    EXPECT_EQ(result_word(Code{}.push(1).push(2).op(Op::POP).ret_top()), U256{1});
}

TEST_F(Interpreter, PushWidths)
{
    EXPECT_EQ(result_word(Code{}.pushn(32, kMinusOne).ret_top()), kMinusOne);
    EXPECT_EQ(result_word(Code{}.pushn(9, word("0x112233445566778899")).ret_top()),
              word("0x112233445566778899"));
    EXPECT_EQ(result_word(Code{}.pushn(17, word("0x0102030405060708090a0b0c0d0e0f1011")).ret_top()),
              word("0x0102030405060708090a0b0c0d0e0f1011"));
    for (size_t n = 1; n <= 32; ++n)
    {
        const U256 v = U256::max() >> (256 - 8 * n);
        EXPECT_EQ(result_word(Code{}.pushn(n, v).ret_top()), v) << n;
    }
}

TEST_F(Interpreter, TruncatedPushAtEndReadsZerosAndStops)
{
    const auto r = exec(Code{"7fff"});  // PUSH32 with one byte of data
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_left, 1'000'000 - 3);
}

// ---- stack checks -----------------------------------------------------------------------------

TEST_F(Interpreter, StackUnderflowConsumesAllGas)
{
    const auto r = exec(Code{}.push(1).op(Op::ADD));
    EXPECT_EQ(r.status, Status::StackUnderflow);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(exec(Code{}.op(Op::POP)).status, Status::StackUnderflow);
    EXPECT_EQ(exec(Code{}.push(1).op(Op::DUP2)).status, Status::StackUnderflow);
    EXPECT_EQ(exec(Code{}.push(1).op(Op::SWAP1)).status, Status::StackUnderflow);
    Code c;
    for (int i = 0; i < 6; ++i)
        c.push(0);
    EXPECT_EQ(exec(Code{c}.op(Op::CALL)).status, Status::StackUnderflow);
}

TEST_F(Interpreter, StackLimitIs1024)
{
    Code ok;
    for (int i = 0; i < 1024; ++i)
        ok.op(Op::PUSH0);
    const auto r = exec(ok);
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_left, 1'000'000 - 2 * 1024);

    EXPECT_EQ(exec(Code{ok}.op(Op::PUSH0)).status, Status::StackOverflow);
    EXPECT_EQ(exec(Code{ok}.op(Op::DUP1)).status, Status::StackOverflow);
    // Operations that do not grow the stack still work at the limit.
    EXPECT_EQ(exec(Code{ok}.op(Op::ADD).op(Op::SWAP16)).status, Status::Success);
}

// ---- gas --------------------------------------------------------------------------------------

TEST_F(Interpreter, ExactGasBoundary)
{
    const Code c = Code{}.push(1).push(2).op(Op::ADD);  // 9 gas
    auto r = exec(c, 9);
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_left, 0);
    r = exec(c, 8);
    EXPECT_EQ(r.status, Status::OutOfGas);
    EXPECT_EQ(r.gas_left, 0);
}

TEST_F(Interpreter, GasOpcodeSeesGasAfterItsOwnCost)
{
    const auto r = exec(Code{}.op(Op::GAS).ret_top(), 1000);
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(U256::from_be(r.output), U256{1000 - 2});
}

TEST_F(Interpreter, MemoryExpansionCost)
{
    // MSTORE at 0: 3 + 3 (one word).
    EXPECT_EQ(gas_used(Code{}.push(1).push(0).op(Op::MSTORE)), 3 + 3 + 3 + 3);
    // MSTORE8 at 31 still one word; at 32 two words.
    EXPECT_EQ(gas_used(Code{}.push(1).push(31).op(Op::MSTORE8)), 6 + 3 + 3);
    EXPECT_EQ(gas_used(Code{}.push(1).push(32).op(Op::MSTORE8)), 6 + 3 + 6);
    // Large expansion: words w cost 3w + w^2/512.
    const uint64_t off = 0x10000;  // MLOAD at 64 KiB -> 2049 words
    const uint64_t w = (off + 32 + 31) / 32;
    EXPECT_EQ(gas_used(Code{}.push(off).op(Op::MLOAD)),
              static_cast<int64_t>(3 + 3 + 3 * w + w * w / 512));
    // Expansion is charged only for the increase.
    const uint64_t w1 = 1;
    EXPECT_EQ(gas_used(Code{}.push(0).op(Op::MLOAD).op(Op::POP).push(off).op(Op::MLOAD)),
              static_cast<int64_t>(3 + 3 + 3 * w1 + 2 + 3 + 3 + (3 * w + w * w / 512) - 3 * w1));
}

TEST_F(Interpreter, MsizeIsWordAligned)
{
    EXPECT_EQ(result_word(Code{}.push(1).push(40).op(Op::MSTORE8).op(Op::MSIZE).ret_top()),
              U256{64});
}

TEST_F(Interpreter, HugeMemoryOffsetsAreOutOfGas)
{
    auto r = exec(Code{}.push(U256{1} << 64).op(Op::MLOAD));
    EXPECT_EQ(r.status, Status::OutOfGas);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(exec(Code{}.push(1).push(U256::max()).op(Op::MSTORE)).status, Status::OutOfGas);
    EXPECT_EQ(exec(Code{}.push(0x100000000).push(0).op(Op::RETURN)).status, Status::OutOfGas);
    // Zero-size accesses ignore the offset.
    EXPECT_EQ(exec(Code{}.push(0).push(U256::max()).op(Op::RETURN)).status, Status::Success);
    EXPECT_EQ(exec(Code{}.push(0).push(U256::max()).op(Op::KECCAK256)).status, Status::Success);
}

TEST_F(Interpreter, MemoryRoundTrip)
{
    const U256 v = word("0x0102030405060708091011121314151617181920212223242526272829303132");
    EXPECT_EQ(result_word(Code{}.mstore(5, v).push(5).op(Op::MLOAD).ret_top()), v);
    // MSTORE8 writes the low byte.
    EXPECT_EQ(
        result_word(Code{}.push(0x1ff).push(31).op(Op::MSTORE8).push(0).op(Op::MLOAD).ret_top()),
        U256{0xff});
}

// ---- jumps ------------------------------------------------------------------------------------

TEST_F(Interpreter, JumpToJumpdest)
{
    // 0: PUSH1 5  2: JUMP  3: INVALID  4: INVALID  5: JUMPDEST  6: PUSH1 42 ...
    Code c = Code{}.push(5).op(Op::JUMP).op(Op::INVALID).op(Op::INVALID).op(Op::JUMPDEST);
    c.push(42).ret_top();
    EXPECT_EQ(result_word(c), U256{42});
    EXPECT_EQ(gas_used(Code{}.push(4).op(Op::JUMP).op(Op::INVALID).op(Op::JUMPDEST)), 3 + 8 + 1);
}

TEST_F(Interpreter, JumpiTakenAndNotTaken)
{
    auto prog = [](uint64_t cond) {
        const Code tail = Code{}.push(1).ret_top();
        // PUSHn cond, PUSH1 dest, JUMPI, then the tail, then the JUMPDEST.
        const size_t prefix = Code{}.push(cond).size() + 3;
        return Code{}
            .push(cond)
            .push(prefix + tail.size())
            .op(Op::JUMPI)
            .append(tail)
            .op(Op::JUMPDEST)
            .push(2)
            .ret_top();
    };
    EXPECT_EQ(result_word(prog(1)), U256{2});
    EXPECT_EQ(result_word(prog(0)), U256{1});
    // Any non-zero condition jumps.
    EXPECT_EQ(result_word(prog(0x100)), U256{2});
    // Not taken with an invalid destination is fine.
    EXPECT_EQ(exec(Code{}.push(0).push(1000).op(Op::JUMPI)).status, Status::Success);
    // JUMPI costs 10.
    EXPECT_EQ(gas_used(Code{}.push(0).push(1000).op(Op::JUMPI)), 6 + 10);
}

TEST_F(Interpreter, BadJumpDestinations)
{
    // Into PUSH data: PUSH2 0x5b5b at 0, jump to 1.
    auto r = exec(Code{"615b5b50600156"});
    EXPECT_EQ(r.status, Status::BadJumpDestination);
    EXPECT_EQ(r.gas_left, 0);
    // Not a JUMPDEST.
    EXPECT_EQ(exec(Code{}.push(0).op(Op::JUMP)).status, Status::BadJumpDestination);
    // Beyond the code (into the padding).
    EXPECT_EQ(exec(Code{}.push(3).op(Op::JUMP)).status, Status::BadJumpDestination);
    EXPECT_EQ(exec(Code{}.push(U256{1} << 64).op(Op::JUMP)).status, Status::BadJumpDestination);
    EXPECT_EQ(exec(Code{}.push(1).push(U256::max()).op(Op::JUMPI)).status,
              Status::BadJumpDestination);
}

TEST_F(Interpreter, PcOpcode)
{
    EXPECT_EQ(result_word(Code{}.push(0).op(Op::POP).op(Op::PC).ret_top()), U256{3});
}

// ---- halting ----------------------------------------------------------------------------------

TEST_F(Interpreter, UndefinedAndInvalid)
{
    auto r = exec(Code{"600c0c"});
    EXPECT_EQ(r.status, Status::UndefinedInstruction);
    EXPECT_EQ(r.gas_left, 0);
    r = exec(Code{"ef"});
    EXPECT_EQ(r.status, Status::UndefinedInstruction);
    r = exec(Code{}.push(1).op(Op::INVALID));
    EXPECT_EQ(r.status, Status::InvalidInstruction);
    EXPECT_EQ(r.gas_left, 0);
}

TEST_F(Interpreter, StopAndEmptyCode)
{
    auto r = exec(Code{});
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_left, 1'000'000);
    r = exec(Code{}.push(1).op(Op::STOP).op(Op::INVALID));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.gas_left, 1'000'000 - 3);
    EXPECT_TRUE(r.output.empty());
}

TEST_F(Interpreter, ReturnData)
{
    const auto r = exec(Code{}.mstore(0, word("0xaabbcc")).ret(29, 3));
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.output, (Bytes{0xaa, 0xbb, 0xcc}));
}

TEST_F(Interpreter, RevertKeepsGasAndData)
{
    const Code c = Code{}.mstore(0, 7).push(32).push(0).op(Op::REVERT);
    const auto r = exec(c);
    EXPECT_EQ(r.status, Status::Revert);
    EXPECT_EQ(r.gas_left, 1'000'000 - (6 + 3 + 3 + 6));
    EXPECT_EQ(U256::from_be(r.output), U256{7});
    EXPECT_EQ(r.gas_refund, 0);
}

TEST_F(Interpreter, RevertDropsRefund)
{
    host.accounts[kContract].storage[U256{1}] = {U256{5}, U256{5}};
    const auto ok = exec(Code{}.sstore(1, 0));
    EXPECT_EQ(ok.status, Status::Success);
    EXPECT_EQ(ok.gas_refund, 4800);
    host.accounts[kContract].storage[U256{1}] = {U256{5}, U256{5}};
    const auto rev = exec(Code{}.sstore(1, 0).push(0).push(0).op(Op::REVERT));
    EXPECT_EQ(rev.status, Status::Revert);
    EXPECT_EQ(rev.gas_refund, 0);
}

// ---- environment ------------------------------------------------------------------------------

TEST_F(Interpreter, CallContext)
{
    msg.value = 1234;
    EXPECT_EQ(result_word(Code{}.op(Op::ADDRESS).ret_top()), U256::from_address(kContract));
    EXPECT_EQ(result_word(Code{}.op(Op::CALLER).ret_top()), U256::from_address(kSender));
    EXPECT_EQ(result_word(Code{}.op(Op::CALLVALUE).ret_top()), U256{1234});
    host.accounts[kContract].balance = 777;
    EXPECT_EQ(result_word(Code{}.op(Op::SELFBALANCE).ret_top()), U256{777});
    EXPECT_EQ(gas_used(Code{}.op(Op::SELFBALANCE)), 5);
}

TEST_F(Interpreter, TxAndBlockContext)
{
    host.tx.gas_price = 17;
    host.tx.origin = address_from_u64(0x0419);
    host.tx.coinbase = address_from_u64(0xc014);
    host.tx.block_number = 1000;
    host.tx.block_timestamp = 1700000000;
    host.tx.block_gas_limit = 30'000'000;
    host.tx.prev_randao[31] = 0x99;
    host.tx.chain_id = 1;
    host.tx.base_fee = 7;
    host.tx.blob_base_fee = 3;
    EXPECT_EQ(result_word(Code{}.op(Op::GASPRICE).ret_top()), U256{17});
    EXPECT_EQ(result_word(Code{}.op(Op::ORIGIN).ret_top()), U256{0x0419});
    EXPECT_EQ(result_word(Code{}.op(Op::COINBASE).ret_top()), U256{0xc014});
    EXPECT_EQ(result_word(Code{}.op(Op::NUMBER).ret_top()), U256{1000});
    EXPECT_EQ(result_word(Code{}.op(Op::TIMESTAMP).ret_top()), U256{1700000000});
    EXPECT_EQ(result_word(Code{}.op(Op::GASLIMIT).ret_top()), U256{30'000'000});
    EXPECT_EQ(result_word(Code{}.op(Op::PREVRANDAO).ret_top()), U256{0x99});
    EXPECT_EQ(result_word(Code{}.op(Op::CHAINID).ret_top()), U256{1});
    EXPECT_EQ(result_word(Code{}.op(Op::BASEFEE).ret_top()), U256{7});
    EXPECT_EQ(result_word(Code{}.op(Op::BLOBBASEFEE).ret_top()), U256{3});
    for (Op op : {Op::GASPRICE, Op::ORIGIN, Op::COINBASE, Op::NUMBER, Op::TIMESTAMP, Op::GASLIMIT,
                  Op::PREVRANDAO, Op::CHAINID, Op::BASEFEE, Op::BLOBBASEFEE, Op::ADDRESS,
                  Op::CALLER, Op::CALLVALUE, Op::CALLDATASIZE, Op::CODESIZE, Op::RETURNDATASIZE,
                  Op::PC, Op::MSIZE, Op::GAS})
        EXPECT_EQ(gas_used(Code{}.op(op)), 2) << opcode_name(static_cast<uint8_t>(op));
}

TEST_F(Interpreter, BlockhashWindowIsPrevious256Blocks)
{
    host.tx.block_number = 300;
    for (int64_t n = 0; n < 300; ++n)
    {
        Hash256 h;
        h[31] = static_cast<uint8_t>(n);
        h[0] = 1;
        host.block_hashes[n] = h;
    }
    auto bh = [&](uint64_t n) {
        return result_word(Code{}.push(n).op(Op::BLOCKHASH).ret_top());
    };
    EXPECT_EQ(bh(299), U256::from_hash(host.block_hashes[299]));
    EXPECT_EQ(bh(44), U256::from_hash(host.block_hashes[44]));
    EXPECT_EQ(bh(43), U256{0});
    EXPECT_EQ(bh(300), U256{0});
    EXPECT_EQ(bh(301), U256{0});
    EXPECT_EQ(result_word(Code{}.push(U256{1} << 64).op(Op::BLOCKHASH).ret_top()), U256{0});
    EXPECT_EQ(gas_used(Code{}.push(1).op(Op::BLOCKHASH)), 3 + 20);
    host.tx.block_number = 5;
    EXPECT_EQ(bh(0), U256::from_hash(host.block_hashes[0]));
}

TEST_F(Interpreter, CalldataOps)
{
    const Bytes input{0x01, 0x02, 0x03};
    msg.input = input;
    EXPECT_EQ(result_word(Code{}.op(Op::CALLDATASIZE).ret_top()), U256{3});
    EXPECT_EQ(result_word(Code{}.push(0).op(Op::CALLDATALOAD).ret_top()),
              U256{0x010203} << (8 * 29));
    EXPECT_EQ(result_word(Code{}.push(2).op(Op::CALLDATALOAD).ret_top()), U256{0x03} << 248);
    EXPECT_EQ(result_word(Code{}.push(3).op(Op::CALLDATALOAD).ret_top()), U256{0});
    EXPECT_EQ(result_word(Code{}.push(U256::max()).op(Op::CALLDATALOAD).ret_top()), U256{0});
    // CALLDATACOPY pads with zeros; memory is pre-filled with ones to see the padding.
    const Code c =
        Code{}.mstore(0, U256::max()).push(4).push(1).push(0).op(Op::CALLDATACOPY).ret(0, 32);
    const auto r = exec(c);
    ASSERT_EQ(r.status, Status::Success);
    EXPECT_EQ(r.output[0], 0x02);
    EXPECT_EQ(r.output[1], 0x03);
    EXPECT_EQ(r.output[2], 0x00);
    EXPECT_EQ(r.output[3], 0x00);
    EXPECT_EQ(r.output[4], 0xff);
    // Gas: 3 pushes + 3 + 3 per word + memory.
    EXPECT_EQ(gas_used(Code{}.push(33).push(0).push(0).op(Op::CALLDATACOPY)),
              9 + 3 + 3 * 2 + 3 * 2);
    // Zero-size copy with a huge source offset is free of memory cost.
    EXPECT_EQ(gas_used(Code{}.push(0).push(U256::max()).push(U256::max()).op(Op::CALLDATACOPY)),
              3 + 3 + 3 + 3);
}

TEST_F(Interpreter, CodeOps)
{
    const Code c = Code{}.push(8).push(0).push(0).op(Op::CODECOPY).ret(0, 32);
    const auto r = exec(c);
    ASSERT_EQ(r.status, Status::Success);
    ASSERT_EQ(r.output.size(), 32u);
    EXPECT_TRUE(std::equal(c.bytes.begin(), c.bytes.begin() + 8, r.output.begin()));
    EXPECT_EQ(r.output[8], 0);
    EXPECT_EQ(result_word(Code{}.op(Op::CODESIZE).ret_top()), U256{9});
    // Copy starting past the end gives zeros.
    const auto r2 =
        exec(Code{}.mstore(0, U256::max()).push(32).push(1000).push(0).op(Op::CODECOPY).ret(0, 32));
    ASSERT_EQ(r2.status, Status::Success);
    EXPECT_EQ(U256::from_be(r2.output), U256{0});
}

TEST_F(Interpreter, Keccak256)
{
    EXPECT_EQ(result_word(Code{}.push(0).push(0).op(Op::KECCAK256).ret_top()),
              U256::from_hash(kEmptyCodeHash));
    // keccak of 32 zero bytes
    const Bytes zeros(32, 0);
    EXPECT_EQ(result_word(Code{}.push(32).push(0).op(Op::KECCAK256).ret_top()),
              U256::from_hash(keccak256(zeros)));
    // 30 + 6/word + memory
    EXPECT_EQ(gas_used(Code{}.push(33).push(0).op(Op::KECCAK256)), 6 + 30 + 12 + 6);
    EXPECT_EQ(gas_used(Code{}.push(0).push(0).op(Op::KECCAK256)), 6 + 30);
}

TEST_F(Interpreter, Logs)
{
    const Code c = Code{}
                       .mstore(0, word("0x1122"))
                       .push(0xb)  // topic 2
                       .push(0xa)  // topic 1
                       .push(2)
                       .push(30)
                       .op(Op::LOG2);
    const int64_t used = gas_used(c);
    ASSERT_EQ(host.logs.size(), 1u);
    EXPECT_EQ(host.logs[0].addr, kContract);
    EXPECT_EQ(host.logs[0].data, (Bytes{0x11, 0x22}));
    ASSERT_EQ(host.logs[0].topics.size(), 2u);
    EXPECT_EQ(U256::from_hash(host.logs[0].topics[0]), U256{0xa});
    EXPECT_EQ(U256::from_hash(host.logs[0].topics[1]), U256{0xb});
    EXPECT_EQ(used, 12 + 12 + 375 * 3 + 8 * 2);
    EXPECT_EQ(gas_used(Code{}.push(0).push(0).op(Op::LOG0)), 6 + 375);
    EXPECT_EQ(gas_used(Code{}.push(0).push(0).push(0).push(0).push(0).push(0).op(Op::LOG4)),
              18 + 375 * 5);
}

TEST_F(Interpreter, ReturndataStartsEmpty)
{
    EXPECT_EQ(result_word(Code{}.op(Op::RETURNDATASIZE).ret_top()), U256{0});
    EXPECT_EQ(exec(Code{}.push(0).push(0).push(0).op(Op::RETURNDATACOPY)).status, Status::Success);
    auto r = exec(Code{}.push(0).push(1).push(0).op(Op::RETURNDATACOPY));
    EXPECT_EQ(r.status, Status::InvalidMemoryAccess);
    EXPECT_EQ(r.gas_left, 0);
    EXPECT_EQ(exec(Code{}.push(1).push(0).push(0).op(Op::RETURNDATACOPY)).status,
              Status::InvalidMemoryAccess);
}

TEST_F(Interpreter, AnalysisCacheIsKeyedByHash)
{
    const Code c = Code{}.push(1).ret_top();
    const Hash256 h = keccak256(c.bytes);
    EXPECT_EQ(vm.cache_size(), 0u);
    msg.gas = 100;
    auto r = vm.execute(host, msg, c.bytes, h);
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(vm.cache_size(), 1u);
    r = vm.execute(host, msg, c.bytes, h);
    EXPECT_EQ(r.status, Status::Success);
    EXPECT_EQ(U256::from_be(r.output), U256{1});
    EXPECT_EQ(vm.cache_size(), 1u);
    // Execution without a hash does not touch the cache.
    r = vm.execute(host, msg, c.bytes);
    EXPECT_EQ(vm.cache_size(), 1u);
    vm.clear_cache();
    EXPECT_EQ(vm.cache_size(), 0u);
}

TEST_F(Interpreter, ReusedFrameStateStartsClean)
{
    // A frame dirties memory (small and > 1 MiB, which is freed on release) and the stack;
    // the next frame reusing the pooled state must see zero memory and an empty stack.
    for (uint64_t off : {uint64_t{0}, uint64_t{2} << 20})
    {
        ASSERT_EQ(exec(Code{}.mstore(off, U256::max()).push(1).push(2), 10'000'000).status,
                  Status::Success);
        const auto r = exec(Code{}.push(off).op(Op::MLOAD).ret_top(), 10'000'000);
        ASSERT_EQ(r.status, Status::Success);
        EXPECT_EQ(U256::from_be(r.output), U256{0});
        EXPECT_EQ(result_word(Code{}.op(Op::MSIZE).ret_top()), U256{0});
        EXPECT_EQ(exec(Code{}.op(Op::POP)).status, Status::StackUnderflow);
    }
}

TEST_F(Interpreter, TwoVmsAreIndependent)
{
    Vm other;
    TestHost other_host{other};
    Message m = msg;
    m.gas = 100;
    const Code c = Code{}.push(9).ret_top();
    const auto a = vm.execute(host, m, c.bytes);
    const auto b = other.execute(other_host, m, c.bytes);
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(a.gas_left, b.gas_left);
}

}  // namespace
}  // namespace tern::evm::test
