// Runs ethereum/tests TransactionTests for fork Cancun: valid transactions must decode,
// re-encode byte-exactly, and match the expected hash, sender and intrinsic gas; `exception`
// cases must be rejected by decoding or by the stateless checks a node applies before
// execution. Files without a Cancun result (ttWrongRLP: malformed RLP, dropped from the
// Cancun fill) are run against their latest fork's expectation and counted separately.
#include "core/hex.hpp"
#include "core/keccak.hpp"
#include "transaction/codec.hpp"
#include "transaction/validation.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

using namespace tern;
namespace fs = std::filesystem;

namespace {

/// The fixtures are signed for chain id 1.
constexpr uint64_t kChainId = 1;

/// Cases we knowingly do not pass, with the reason. Keep empty unless justified.
const std::map<std::string, std::string> kExcluded = {};

/// Fork order, newest last, to pick the latest expectation for files without Cancun.
const char* const kForks[] = {
    "Frontier", "Homestead", "EIP150", "EIP158", "Byzantium", "Constantinople", "ConstantinopleFix",
    "Istanbul", "Berlin",    "London", "Paris",  "Shanghai",  "Cancun"};

struct Counts
{
    int valid_pass = 0, valid_fail = 0, reject_pass = 0, reject_fail = 0, excluded = 0;
    int total() const { return valid_pass + valid_fail + reject_pass + reject_fail; }
};

uint64_t parse_u64(const std::string& s)
{
    const auto v = U256::from_string(s);
    EXPECT_TRUE(v && v->fits_u64()) << s;
    return v ? v->low64() : 0;
}

/// Our error codes that count as the fixture's exception. Rejecting for another reason would
/// mean a check fires that should not (or fires too early), so it is a failure too.
bool reason_matches(std::string_view expected, const TxError& got)
{
    using C = TxErrorCode;
    const auto code = got.code;
    expected.remove_prefix(std::string_view("TransactionException.").size());
    if (expected == "INVALID_CHAINID")
        return code == C::InvalidChainId;
    if (expected == "INVALID_SIGNATURE_VRS")  // r/s out of range, r/s > 32 bytes, or v invalid
        return code == C::InvalidSignature || code == C::InvalidChainId ||
               (code == C::RlpMalformed && got.rlp_error == rlp::DecodingError::Overflow);
    if (expected == "EC_RECOVERY_FAIL")
        return code == C::SignatureRecoveryFailed;
    if (expected == "INTRINSIC_GAS_TOO_LOW")
        return code == C::IntrinsicGasTooLow;
    if (expected == "NONCE_TOO_BIG")
        return code == C::NonceTooBig;
    if (expected == "GASLIMIT_PRICE_PRODUCT_OVERFLOW")
        return code == C::FeeGasProductOverflow;
    if (expected.starts_with("PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS"))
        return code == C::PriorityFeeGreaterThanMaxFee;
    if (expected == "INITCODE_SIZE_EXCEEDED")
        return code == C::InitcodeTooLarge;
    if (expected == "TYPE_NOT_SUPPORTED")
        return code == C::UnsupportedType;
    if (expected == "RLP_INVALID_HEADER" || expected == "RLP_ERROR_EOF")
        // an RLP string where a transaction should start
        return code == C::UnsupportedType || code == C::RlpMalformed;
    // RLP_*, ADDRESS_TOO_*, *_OVERFLOW (a field wider than its type): malformed encoding.
    return code == C::RlpMalformed;
}

/// Runs one case; returns an empty string on pass, else the failure description. The checks run
/// in a node's order: decode, sender (chain id, signature), then the stateless gas/fee checks.
std::string run_case(const Bytes& txbytes, const nlohmann::json& expect, bool& expected_valid)
{
    expected_valid = !expect.contains("exception");
    auto tx = decode_transaction(txbytes);
    if (!expected_valid)
    {
        const auto exception = expect.at("exception").get<std::string>();
        std::optional<TxError> err;
        if (!tx)
            err = tx.error();
        else
        {
            // Where the fixture states the intrinsic gas of a decodable transaction, it must
            // agree.
            const uint64_t fixture_gas = parse_u64(expect.value("intrinsicGas", "0x00"));
            if (auto g = intrinsic_gas(*tx); g && fixture_gas != 0 && *g != fixture_gas)
                return "intrinsic gas " + std::to_string(*g) + " != " + std::to_string(fixture_gas);
            if (auto s = recover_sender(*tx, kChainId); !s)
                err = s.error();
            else if (auto v = validate_stateless(*tx); !v)
                err = v.error();
        }
        if (!err)
            return "accepted, expected " + exception;
        if (!reason_matches(exception, *err))
            return "rejected with \"" + err->message() + "\", expected " + exception;
        return "";
    }
    if (!tx)
        return "decode failed: " + tx.error().message();
    if (encode_transaction(*tx) != txbytes)
        return "re-encoding differs: " + to_hex(encode_transaction(*tx));
    const auto hash = fixed_from_hex<Hash256>(expect.at("hash").get<std::string>());
    if (!hash || transaction_hash(*tx) != *hash || keccak256(txbytes) != *hash)
        return "hash mismatch: " + to_hex(transaction_hash(*tx));
    auto sender = recover_sender(*tx, kChainId);
    if (!sender)
        return "sender recovery failed: " + sender.error().message();
    const auto want = fixed_from_hex<Address>(expect.at("sender").get<std::string>());
    if (!want || *sender != *want)
        return "sender " + to_hex(*sender) + " != " + expect.at("sender").get<std::string>();
    auto gas = validate_stateless(*tx);
    if (!gas)
        return "stateless validation failed: " + gas.error().message();
    const uint64_t fixture_gas = parse_u64(expect.at("intrinsicGas").get<std::string>());
    if (*gas != fixture_gas)
        return "intrinsic gas " + std::to_string(*gas) + " != " + std::to_string(fixture_gas);
    return "";
}

void record(Counts& c, const std::string& name, bool expected_valid, const std::string& failure)
{
    if (failure.empty())
        expected_valid ? ++c.valid_pass : ++c.reject_pass;
    else
    {
        expected_valid ? ++c.valid_fail : ++c.reject_fail;
        ADD_FAILURE() << name << ": " << failure;
    }
}

}  // namespace

TEST(TransactionFixtures, Cancun)
{
    const fs::path dir = fs::path(TERN_FIXTURES_DIR) / "TransactionTests";
    ASSERT_TRUE(fs::exists(dir)) << dir;
    Counts cancun;
    Counts older;  // files without a Cancun result, judged by their latest fork
    for (const auto& entry : fs::recursive_directory_iterator(dir))
    {
        if (!entry.is_regular_file() || entry.path().extension() != ".json")
            continue;
        std::ifstream f(entry.path());
        const auto doc = nlohmann::json::parse(f);
        for (const auto& [test_name, tc] : doc.items())
        {
            const std::string name =
                entry.path().parent_path().filename().string() + "/" + test_name;
            if (kExcluded.contains(name))
            {
                ++cancun.excluded;
                continue;
            }
            const auto txbytes = from_hex(tc.at("txbytes").get<std::string>());
            ASSERT_TRUE(txbytes.has_value()) << name;
            const auto& result = tc.at("result");
            bool expected_valid = false;
            if (result.contains("Cancun"))
            {
                const auto failure = run_case(*txbytes, result.at("Cancun"), expected_valid);
                record(cancun, name, expected_valid, failure);
                continue;
            }
            const char* latest = nullptr;
            for (const char* fork : kForks)
                if (result.contains(fork))
                    latest = fork;
            ASSERT_NE(latest, nullptr) << name;
            const auto failure = run_case(*txbytes, result.at(latest), expected_valid);
            record(older, name + " [" + latest + "]", expected_valid, failure);
        }
    }
    std::printf(
        "TransactionTests Cancun: %d cases: valid %d passed %d failed; exception %d "
        "rejected for the expected reason, %d not; %d excluded\n",
        cancun.total(), cancun.valid_pass, cancun.valid_fail, cancun.reject_pass,
        cancun.reject_fail, cancun.excluded);
    std::printf(
        "TransactionTests without Cancun result (latest fork): %d cases: valid %d passed "
        "%d failed; exception %d rejected for the expected reason, %d not\n",
        older.total(), older.valid_pass, older.valid_fail, older.reject_pass, older.reject_fail);
    EXPECT_GT(cancun.valid_pass, 0);
    EXPECT_GT(cancun.reject_pass, 0);
}
