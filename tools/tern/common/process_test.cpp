#include "tools/tern/common/process.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

namespace tern::tools {
namespace {

namespace fs = std::filesystem;

TEST(Process, RunCommandCapturesOutputAndStatus)
{
    const auto ok = run_command({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    ASSERT_TRUE(ok) << ok.error();
    EXPECT_EQ(ok->first, 3);
    EXPECT_EQ(ok->second, "out\nerr\n");
    const auto missing = run_command({"/nonexistent/binary"});
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->first, 127);
    EXPECT_NE(missing->second.find("exec /nonexistent/binary"), std::string::npos);
}

TEST(Process, AliveParentAndDescendants)
{
    EXPECT_TRUE(process_alive(::getpid()));
    EXPECT_EQ(parent_of(::getpid()), ::getppid());
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0)
    {
        ::pause();
        ::_exit(0);
    }
    const auto kids = descendants(::getpid());
    EXPECT_NE(std::find(kids.begin(), kids.end(), child), kids.end());
    EXPECT_TRUE(process_alive(child));
    ::kill(child, SIGKILL);
    // Killed but not reaped: a zombie counts as gone.
    for (int i = 0; i < 100 && process_alive(child); ++i)
        ::usleep(10'000);
    EXPECT_FALSE(process_alive(child));
    ::waitpid(child, nullptr, 0);
}

TEST(Process, RunningNodePidRefusesStaleFiles)
{
    const fs::path home =
        fs::temp_directory_path() / ("tern_process_test_" + std::to_string(::getpid()));
    fs::create_directories(home);
    EXPECT_FALSE(running_node_pid(home));  // no pid file
    // Our own pid: alive, but not `tern node --home HOME`.
    std::ofstream(home / kPidFile) << ::getpid() << "\n";
    EXPECT_FALSE(running_node_pid(home));
    std::ofstream(home / kPidFile, std::ios::trunc) << "junk\n";
    EXPECT_FALSE(running_node_pid(home));
    fs::remove_all(home);
}

TEST(Process, TailLines)
{
    const fs::path file =
        fs::temp_directory_path() / ("tern_tail_test_" + std::to_string(::getpid()));
    std::ofstream(file) << "a\nb\nc\nd\n";
    EXPECT_EQ(tail_lines(file, 2), "    c\n    d\n");
    EXPECT_EQ(tail_lines(file, 10), "    a\n    b\n    c\n    d\n");
    EXPECT_EQ(tail_lines(file.string() + ".absent", 3), "");
    fs::remove(file);
}

}  // namespace
}  // namespace tern::tools
