#include "consensus/child_process.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace tern::consensus;
namespace fs = std::filesystem;

namespace {

/// A fresh temp directory, removed at the end of the test.
struct TempDir
{
    TempDir()
    {
        char name[] = "/tmp/tern-child-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path path;
};

std::string read_all(const fs::path& file)
{
    std::ifstream in{file};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Exit status of `pid` once it ends (-1: did not exit normally).
int wait_exit(pid_t pid)
{
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

}  // namespace

// The cometbft child of `tern node` must not hold the node's listening sockets (RPC, ABCI) or
// its files: a descriptor without close-on-exec in the parent (as Asio's sockets are) is closed
// in the child before exec. The dummy child lists its own descriptors.
TEST(ChildProcess, InheritsNoDescriptorButStdio)
{
    TempDir dir;
    // A listening socket and a file, both without close-on-exec.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    const fs::path marker = dir.path / "leak-marker";
    const int file = ::open(marker.c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(file, 0);
    ASSERT_EQ(::fcntl(listener, F_GETFD) & FD_CLOEXEC, 0);

    const fs::path log = dir.path / "child.log";
    const auto pid = spawn_child({{"/bin/sh", "-c", "ls -l /proc/self/fd"}, log.string(), ""});
    ASSERT_TRUE(pid) << pid.error();
    EXPECT_EQ(wait_exit(*pid), 0);
    ::close(listener);
    ::close(file);

    const std::string listing = read_all(log);
    EXPECT_NE(listing.find("0 -> /dev/null"), std::string::npos) << listing;
    EXPECT_NE(listing.find("1 -> " + log.string()), std::string::npos) << listing;
    EXPECT_NE(listing.find("2 -> " + log.string()), std::string::npos) << listing;
    EXPECT_EQ(listing.find("socket:"), std::string::npos) << listing;
    EXPECT_EQ(listing.find("leak-marker"), std::string::npos) << listing;
}

TEST(ChildProcess, OutputAppendedInItsDirectory)
{
    TempDir dir;
    const fs::path log = dir.path / "out.log";
    for (int i = 0; i < 2; ++i)
    {
        const auto pid =
            spawn_child({{"/bin/sh", "-c", "pwd; echo err >&2"}, log.string(), dir.path.string()});
        ASSERT_TRUE(pid) << pid.error();
        EXPECT_EQ(wait_exit(*pid), 0);
    }
    const std::string once = dir.path.string() + "\nerr\n";
    EXPECT_EQ(read_all(log), once + once);

    const auto missing = spawn_child({{"/nonexistent/program"}, log.string(), ""});
    ASSERT_TRUE(missing);
    EXPECT_EQ(wait_exit(*missing), 127);
}

TEST(ChildProcess, StopChildTermsThenKills)
{
    // A child that exits on SIGTERM is reaped at once.
    auto pid = spawn_child({{"/bin/sleep", "30"}, "", ""});
    ASSERT_TRUE(pid);
    auto start = std::chrono::steady_clock::now();
    stop_child(*pid, std::chrono::seconds(10));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(::kill(*pid, 0), -1);  // reaped: no such process

    // One that ignores SIGTERM gets SIGKILL after the grace period.
    pid = spawn_child({{"/bin/sh", "-c", "trap '' TERM; exec sleep 30"}, "", ""});
    ASSERT_TRUE(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the trap is set
    start = std::chrono::steady_clock::now();
    stop_child(*pid, std::chrono::milliseconds(300));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, std::chrono::milliseconds(300));
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_EQ(::kill(*pid, 0), -1);
}
