#include "filestorage/path.hpp"

#include <gtest/gtest.h>

namespace tern::filestorage {
namespace {

using Parts = std::vector<std::string_view>;

TEST(FileStoragePath, SplitsAsSkalesParseDirectoryPath)
{
    EXPECT_EQ(split_path(""), Parts{});
    EXPECT_EQ(split_path("a"), Parts{"a"});
    EXPECT_EQ(split_path("a/"), Parts{"a"});
    EXPECT_EQ(split_path("a/b/c"), (Parts{"a", "b", "c"}));
    EXPECT_EQ(split_path("/a"), (Parts{"", "a"}));
    EXPECT_EQ(split_path("a//b"), (Parts{"a", "", "b"}));
    EXPECT_EQ(split_path("a//"), (Parts{"a", ""}));
    EXPECT_EQ(split_path("/"), Parts{""});
}

TEST(FileStoragePath, NamesFollowCheckContentName)
{
    EXPECT_TRUE(valid_name("a"));
    EXPECT_TRUE(valid_name("..."));
    EXPECT_TRUE(valid_name(std::string(255, 'x')));
    EXPECT_FALSE(valid_name(std::string(256, 'x')));
    EXPECT_FALSE(valid_name(""));
    EXPECT_FALSE(valid_name("."));
    EXPECT_FALSE(valid_name(".."));
}

TEST(FileStoragePath, StoragePathsNameAnOwnerInEitherCase)
{
    const auto p = parse_storage_path("00000000000000000000000000000000000A11cE/dir/f.txt");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->owner, address_from_u64(0xa11ce));
    EXPECT_EQ(p->path, "dir/f.txt");
    const auto root = parse_storage_path("00000000000000000000000000000000000a11ce/");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->path, "");
    EXPECT_FALSE(parse_storage_path("00000000000000000000000000000000000a11ce"));
    EXPECT_FALSE(parse_storage_path("00000000000000000000000000000000000a11cex/f"));
    EXPECT_FALSE(parse_storage_path("0x000000000000000000000000000000000a11ce/f"));
    EXPECT_FALSE(parse_storage_path("g0000000000000000000000000000000000a11ce/f"));
    EXPECT_FALSE(parse_storage_path(""));
}

}  // namespace
}  // namespace tern::filestorage
