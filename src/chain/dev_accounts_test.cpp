#include "chain/dev_accounts.hpp"

#include "core/hex.hpp"
#include "crypto/secp256k1.hpp"

#include <gtest/gtest.h>

using namespace tern;
using namespace tern::chain;

namespace {

/// The accounts anvil and Hardhat print for the test mnemonic.
constexpr const char* kExpected[10][2] = {
    {"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
     "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"},
    {"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
     "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"},
    {"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
     "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"},
    {"0x90F79bf6EB2c4f870365E785982E1f101E93b906",
     "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"},
    {"0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
     "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"},
    {"0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
     "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"},
    {"0x976EA74026E726554dB657fA54763abd0C3a0aa9",
     "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e"},
    {"0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
     "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"},
    {"0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
     "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"},
    {"0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
     "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"},
};

TEST(DevAccounts, AnvilAccounts)
{
    const auto accounts = default_dev_accounts();
    ASSERT_EQ(accounts.size(), 10u);
    for (size_t i = 0; i < 10; ++i)
    {
        EXPECT_EQ(to_checksum_address(accounts[i].address), kExpected[i][0]) << i;
        EXPECT_EQ(to_hex(accounts[i].secret_key), kExpected[i][1]) << i;
        EXPECT_EQ(crypto::address_from_secret(accounts[i].secret_key), accounts[i].address);
    }
}

TEST(DevAccounts, Bip39SeedVector)
{
    // BIP-39 reference vector (Trezor), passphrase "TREZOR".
    const Seed seed = mnemonic_to_seed(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "about",
        "TREZOR");
    EXPECT_EQ(
        to_hex(BytesView{seed.data(), seed.size()}, false),
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1"
        "c92f2cf141630c7a3c4ab7c81b2f001698e7463b04");
}

TEST(DevAccounts, Bip32Vector1)
{
    // BIP-32 test vector 1: seed 000102030405060708090a0b0c0d0e0f.
    const Bytes seed = *from_hex("000102030405060708090a0b0c0d0e0f");
    EXPECT_EQ(to_hex(*derive_secret_key(seed, {})),
              "0xe8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35");
    const uint32_t p0h[] = {kHardened | 0};
    EXPECT_EQ(to_hex(*derive_secret_key(seed, p0h)),
              "0xedb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea");
    const uint32_t p0h1[] = {kHardened | 0, 1};
    EXPECT_EQ(to_hex(*derive_secret_key(seed, p0h1)),
              "0x3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368");
}

TEST(DevAccounts, DerivationPaths)
{
    auto p = parse_derivation_path("m/0'/1/2'/2/1000000000");
    ASSERT_TRUE(p);
    ASSERT_EQ(p->size(), 5u);
    EXPECT_EQ((*p)[0], kHardened | 0);
    EXPECT_EQ((*p)[1], 1u);
    EXPECT_EQ((*p)[2], kHardened | 2);
    EXPECT_EQ((*p)[4], 1000000000u);
    EXPECT_TRUE(parse_derivation_path("m"));
    EXPECT_TRUE(parse_derivation_path("m")->empty());
    EXPECT_FALSE(parse_derivation_path(""));
    EXPECT_FALSE(parse_derivation_path("44'/60'"));
    EXPECT_FALSE(parse_derivation_path("m/"));
    EXPECT_FALSE(parse_derivation_path("m//1"));
    EXPECT_FALSE(parse_derivation_path("m/2147483648"));
    EXPECT_FALSE(parse_derivation_path("m/1x"));
    EXPECT_EQ((*parse_derivation_path("m/44h/60H"))[1], kHardened | 60);
}

TEST(DevAccounts, OtherMnemonicsAndErrors)
{
    auto a = derive_dev_accounts(
        "abandon abandon abandon abandon abandon abandon abandon abandon "
        "abandon abandon abandon about",
        2);
    ASSERT_TRUE(a);
    ASSERT_EQ(a->size(), 2u);
    // Well-known first account of the "abandon ... about" mnemonic (m/44'/60'/0'/0/0).
    EXPECT_EQ(to_checksum_address((*a)[0].address), "0x9858EfFD232B4033E47d90003D41EC34EcaEda94");
    EXPECT_NE((*a)[0].address, (*a)[1].address);

    EXPECT_FALSE(derive_dev_accounts("", 1));
    EXPECT_FALSE(derive_dev_accounts("caf\xc3\xa9", 1));
    EXPECT_FALSE(derive_dev_accounts(kDevMnemonic, 1, "x/1"));
    // A different path prefix gives different keys.
    auto b = derive_dev_accounts(kDevMnemonic, 1, "m/44'/60'/1'/0/");
    ASSERT_TRUE(b);
    EXPECT_NE(to_checksum_address((*b)[0].address), kExpected[0][0]);
}

TEST(DevAccounts, ChecksumAddressEip55Vectors)
{
    for (const char* s : {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                          "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                          "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
                          "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"})
    {
        auto a = fixed_from_hex<Address>(s);
        ASSERT_TRUE(a);
        EXPECT_EQ(to_checksum_address(*a), s);
    }
}

TEST(DevAccounts, BalanceIs10000Ether)
{
    EXPECT_EQ(kDevAccountBalance.to_dec(), "10000000000000000000000");
}

}  // namespace
