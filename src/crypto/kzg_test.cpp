// EIP-4844 point evaluation: a few embedded vectors (taken from the state test
// point_evaluation_precompile_external_vectors.json, which carries the c-kzg-4844 verify_kzg_proof
// cases as transaction data), plus a runner over all the vectors of that fixture file.
#include "crypto/kzg.hpp"

#include "core/hex.hpp"
#include "crypto/bls12_381.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

using namespace tern;
using namespace tern::crypto;

namespace {

Bytes hex(std::string_view s)
{
    auto b = from_hex(s);
    EXPECT_TRUE(b.has_value());
    return b.value_or(Bytes{});
}

std::filesystem::path fixtures_dir()
{
    if (const char* env = std::getenv("TERN_FIXTURES_DIR"); env != nullptr && *env != '\0')
        return env;
    return TERN_FIXTURES_DIR;
}

// verify_kzg_proof_case_correct_proof_31ebd010e6098750
constexpr std::string_view kCorrect =
    "01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549b73eda753299d7d483339d80809a1"
    "d80553bda402fffe5bfeffffffff000000001522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd9"
    "32ca49e98f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539"
    "ea8ec3a952b7a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b6"
    "0ad9a026a15b1a8c";
// verify_kzg_proof_case_correct_proof_3c87ec986c2656c2
constexpr std::string_view kCorrect2 =
    "014edfed8547661f6cb416eba53061a2f6dce872c0497e6dd485a876fe2567f1564c0a11a0f704f4fc3e8acfe0f8"
    "245f0ad1347b378fbf96e206da11a5d363066d928e13fe443e957d82e3e71d48cb65d51028eb4483e719bf8efcdf"
    "12f7c321a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287"
    "ea5bb94d9d06a444d6bb5aadc3ceb615b50d6606bd54bfe529f59247987cd1ab848d19de599a9052f1835fb0d0d4"
    "4cf70183e19a68c9";
// verify_kzg_proof_case_correct_proof_point_at_infinity_for_zero_poly_02e696ada7d4631d
constexpr std::string_view kCorrectZeroPoly =
    "010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c4440140000000000000000000000000000"
    "0000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000"
    "000000c000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000c0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000";
// verify_kzg_proof_case_incorrect_proof_05c1f3685f3393f0
constexpr std::string_view kIncorrect =
    "01cf45213dd7b4716864d378f3c6d861467987e4d94b7f79a1f814a697e38637564c0a11a0f704f4fc3e8acfe0f8"
    "245f0ad1347b378fbf96e206da11a5d363060000000000000000000000000000000000000000000000000000000000"
    "000002a572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c55"
    "29bf0f4e97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af0"
    "0adb22c6bb";
// verify_kzg_proof_case_invalid_commitment_32afa9561a4b3b91 (commitment x not on the curve)
constexpr std::string_view kInvalidCommitment =
    "016564752c546f453adeb98716f70a1167a34ffcc8aa605e2f3b0e0dbd8804f40000000000000000000000000000"
    "0000000000000000000000000000000000011824b159acc5056f998c4fefecbc4ff55884b7fa0003480200000001ff"
    "fffffe8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567"
    "89abcdefb0c829a8d2d3405304fecbea193e6c67f7c3912a6adc7c3737ad3f8a3b750425c1531a7426f03033a3994b"
    "c82a10609f";
// verify_kzg_proof_case_invalid_z_35d08d612aad2197 (z = 2^256 - 1)
constexpr std::string_view kInvalidZ =
    "01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549bffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffff60f840641ec0d0c0d2b77b2d5a393b329442721fad05ab78c7b98f2aa3"
    "c20ec98f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8e"
    "c3a952b7b30b3d1e4faccc380557792c9a0374d58fa286f5f75fea48870585393f890909cd3c53cfe4897e799fb211"
    "b4be531e43";

}  // namespace

TEST(Kzg, CorrectProofsVerify)
{
    EXPECT_EQ(kzg::verify_point_evaluation(hex(kCorrect)), std::optional<bool>(true));
    EXPECT_EQ(kzg::verify_point_evaluation(hex(kCorrect2)), std::optional<bool>(true));
    EXPECT_EQ(kzg::verify_point_evaluation(hex(kCorrectZeroPoly)), std::optional<bool>(true));
}

TEST(Kzg, IncorrectProofFails)
{
    EXPECT_EQ(kzg::verify_point_evaluation(hex(kIncorrect)), std::optional<bool>(false));
    // Changing y of a correct vector breaks it (y + 1 stays below r here).
    Bytes b = hex(kCorrect);
    b[95] ^= 1;
    EXPECT_EQ(kzg::verify_point_evaluation(b), std::optional<bool>(false));
    // Swapping in the negated proof breaks it too.
    b = hex(kCorrect);
    b[144] ^= 0x20;
    EXPECT_EQ(kzg::verify_point_evaluation(b), std::optional<bool>(false));
}

TEST(Kzg, MalformedInputs)
{
    EXPECT_EQ(kzg::verify_point_evaluation(hex(kInvalidCommitment)), std::nullopt);
    EXPECT_EQ(kzg::verify_point_evaluation(hex(kInvalidZ)), std::nullopt);
    // Wrong sizes.
    Bytes b = hex(kCorrect);
    EXPECT_EQ(kzg::verify_point_evaluation(BytesView(b).first(191)), std::nullopt);
    b.push_back(0);
    EXPECT_EQ(kzg::verify_point_evaluation(b), std::nullopt);
    EXPECT_EQ(kzg::verify_point_evaluation({}), std::nullopt);
    // y = r exactly (BLS_MODULUS) is out of range.
    b = hex(kCorrect);
    const Bytes r = hex("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
    std::copy(r.begin(), r.end(), b.begin() + 64);
    EXPECT_EQ(kzg::verify_point_evaluation(b), std::nullopt);
    // z = r - 1 is in range (the vector already uses it).
    // Proof without the compression flag.
    b = hex(kCorrect);
    b[144] &= 0x7f;
    EXPECT_EQ(kzg::verify_point_evaluation(b), std::nullopt);
}

TEST(Kzg, TimingPerVerification)
{
    const Bytes in = hex(kCorrect);
    ASSERT_EQ(kzg::verify_point_evaluation(in), std::optional<bool>(true));  // warm the constants
    constexpr int kRuns = 5;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRuns; ++i)
        ASSERT_EQ(kzg::verify_point_evaluation(in), std::optional<bool>(true));
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count() /
                    kRuns;
    std::printf("point evaluation: %lld us per verification\n", static_cast<long long>(us));
}

// Every vector of the external-vectors state test. The expected outcome is encoded in the test
// name: correct_proof* -> true, incorrect_proof* -> false, invalid_* -> malformed.
TEST(KzgFixtures, ExternalVectors)
{
    const auto path = fixtures_dir() /
                      "GeneralStateTests/Pyspecs/cancun/eip4844_blobs/"
                      "point_evaluation_precompile_external_vectors.json";
    std::ifstream file(path);
    if (!file)
        GTEST_SKIP() << "fixture not found: " << path;
    const auto doc = nlohmann::json::parse(file);
    const std::regex case_re("verify_kzg_proof_case_([a-z_]+)_[0-9a-f]{16}");
    size_t checked = 0, correct = 0, incorrect = 0, invalid = 0;
    for (const auto& [name, test] : doc.items())
    {
        std::smatch m;
        ASSERT_TRUE(std::regex_search(name, m, case_re)) << name;
        const std::string kind = m[1];
        const Bytes input = hex(test["transaction"]["data"][0].get<std::string>());
        const auto got = kzg::verify_point_evaluation(input);
        if (kind.rfind("correct_proof", 0) == 0)
        {
            EXPECT_EQ(got, std::optional<bool>(true)) << name;
            ++correct;
        }
        else if (kind.rfind("incorrect_proof", 0) == 0)
        {
            EXPECT_EQ(got, std::optional<bool>(false)) << name;
            ++incorrect;
        }
        else
        {
            ASSERT_EQ(kind.rfind("invalid_", 0), 0u) << name;
            EXPECT_EQ(got, std::nullopt) << name;
            ++invalid;
        }
        ++checked;
    }
    EXPECT_EQ(checked, 122u);
    std::printf("external vectors: %zu correct, %zu incorrect, %zu invalid\n", correct, incorrect,
                invalid);
}

// valid_precompile_calls.json: the call must succeed (z = r - 1, y = 0, both points infinity).
TEST(KzgFixtures, ValidPrecompileCalls)
{
    const auto path = fixtures_dir() /
                      "GeneralStateTests/Pyspecs/cancun/eip4844_blobs/valid_precompile_calls.json";
    std::ifstream file(path);
    if (!file)
        GTEST_SKIP() << "fixture not found: " << path;
    const auto doc = nlohmann::json::parse(file);
    size_t checked = 0;
    for (const auto& [name, test] : doc.items())
    {
        for (const auto& data : test["transaction"]["data"])
        {
            const Bytes input = hex(data.get<std::string>());
            EXPECT_EQ(kzg::verify_point_evaluation(input), std::optional<bool>(true)) << name;
            ++checked;
        }
    }
    EXPECT_GT(checked, 0u);
}
