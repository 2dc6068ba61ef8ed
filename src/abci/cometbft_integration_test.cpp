// The ABCI server driven by the real CometBFT binary (v0.38): a single-validator chain whose
// application counts transactions. Skipped when cometbft is not installed.
#include "abci/server.hpp"
#include "core/hex.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#ifndef TERN_COMETBFT_FALLBACK
#    define TERN_COMETBFT_FALLBACK ""
#endif

namespace tern::abci {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace http = boost::beast::http;
using json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// The binary: env TERN_COMETBFT, else what CMake found at configure time.
std::string cometbft_binary()
{
    if (const char* env = std::getenv("TERN_COMETBFT"); env != nullptr && *env != '\0')
        return env;
    return TERN_COMETBFT_FALLBACK;
}

/// App hash: the transaction count, 8 bytes big-endian, left-padded to 32 bytes.
std::string counter_hash(uint64_t count)
{
    std::string hash(32, '\0');
    for (int i = 0; i < 8; ++i)
        hash[31 - i] = static_cast<char>((count >> (8 * i)) & 0xff);
    return hash;
}

/// Counts transactions; records every call so the test can check what CometBFT asked.
class CounterApp : public Application
{
public:
    /// An app whose state is `count` transactions committed at `height` (0: fresh).
    explicit CounterApp(int64_t height = 0, uint64_t count = 0) : height_(height), count_(count)
    {
        count_at_[height] = count;
    }

    ResponseInfo info(const RequestInfo&) override
    {
        std::lock_guard lock(mu_);
        calls_.push_back("Info");
        ResponseInfo response;
        response.set_data("counter");
        response.set_last_block_height(height_);
        if (height_ > 0)
            response.set_last_block_app_hash(counter_hash(count_));
        return response;
    }
    ResponseInitChain init_chain(const RequestInitChain& request) override
    {
        std::lock_guard lock(mu_);
        calls_.push_back("InitChain " + request.chain_id());
        ResponseInitChain response;
        response.set_app_hash(counter_hash(count_));
        return response;
    }
    ResponseCheckTx check_tx(const RequestCheckTx& request) override
    {
        ResponseCheckTx response;
        if (request.tx().starts_with("bad"))
        {
            response.set_code(1);
            response.set_log("rejected by the counter");
        }
        return response;
    }
    ResponsePrepareProposal prepare_proposal(const RequestPrepareProposal& request) override
    {
        ResponsePrepareProposal response;
        int64_t bytes = 0;
        for (const auto& tx : request.txs())
        {
            bytes += static_cast<int64_t>(tx.size());
            if (bytes > request.max_tx_bytes())
                break;
            response.add_txs(tx);
        }
        return response;
    }
    ResponseProcessProposal process_proposal(const RequestProcessProposal&) override
    {
        ResponseProcessProposal response;
        response.set_status(ResponseProcessProposal::ACCEPT);
        return response;
    }
    ResponseFinalizeBlock finalize_block(const RequestFinalizeBlock& request) override
    {
        std::lock_guard lock(mu_);
        calls_.push_back("FinalizeBlock " + std::to_string(request.height()));
        pending_height_ = request.height();
        pending_count_ = count_ + static_cast<uint64_t>(request.txs_size());
        ResponseFinalizeBlock response;
        for (const auto& tx : request.txs())
        {
            txs_.push_back(tx);
            response.add_tx_results()->set_code(0);
        }
        response.set_app_hash(counter_hash(pending_count_));
        return response;
    }
    ResponseCommit commit(const RequestCommit&) override
    {
        std::lock_guard lock(mu_);
        calls_.push_back("Commit " + std::to_string(pending_height_));
        height_ = pending_height_;
        count_ = pending_count_;
        count_at_[height_] = count_;
        return {};
    }
    ResponseQuery query(const RequestQuery& request) override
    {
        std::lock_guard lock(mu_);
        ResponseQuery response;
        if (request.path() != "/count")
        {
            response.set_code(1);
            response.set_log("unknown path");
            return response;
        }
        response.set_value(std::to_string(count_));
        response.set_height(height_);
        return response;
    }

    int64_t height() const
    {
        std::lock_guard lock(mu_);
        return height_;
    }
    uint64_t count() const
    {
        std::lock_guard lock(mu_);
        return count_;
    }
    std::vector<std::string> calls() const
    {
        std::lock_guard lock(mu_);
        return calls_;
    }
    std::vector<std::string> txs() const
    {
        std::lock_guard lock(mu_);
        return txs_;
    }
    std::map<int64_t, uint64_t> count_at() const
    {
        std::lock_guard lock(mu_);
        return count_at_;
    }

private:
    mutable std::mutex mu_;
    int64_t height_;
    uint64_t count_;
    int64_t pending_height_ = 0;
    uint64_t pending_count_ = 0;
    std::vector<std::string> calls_;
    std::vector<std::string> txs_;
    std::map<int64_t, uint64_t> count_at_;
};

/// A child process with output to a log file; killed (SIGKILL) when the object goes, and by
/// the kernel if the test process dies first (PR_SET_PDEATHSIG).
class Child
{
public:
    Child(const std::vector<std::string>& argv, const std::string& log_path)
    {
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0)
        {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0)
            {
                ::dup2(fd, STDOUT_FILENO);
                ::dup2(fd, STDERR_FILENO);
            }
            ::execv(args[0], args.data());
            ::_exit(127);
        }
    }
    ~Child()
    {
        if (pid_ > 0)
        {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    bool started() const { return pid_ > 0; }

    /// Waits up to `timeout` for the exit; the exit status, or -1 (still running).
    int wait(std::chrono::milliseconds timeout)
    {
        const auto deadline = Clock::now() + timeout;
        while (pid_ > 0)
        {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_)
            {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            if (Clock::now() > deadline)
                return -1;
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }

    /// SIGTERM, then the exit status (SIGKILL after `timeout`).
    int terminate(std::chrono::milliseconds timeout)
    {
        if (pid_ <= 0)
            return -1;
        ::kill(pid_, SIGTERM);
        return wait(timeout);
    }

private:
    pid_t pid_ = -1;
};

/// A free loopback TCP port (bound and released; the race is acceptable in a test).
uint16_t free_port()
{
    net::io_context io;
    net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

/// GET `target` on CometBFT's RPC; the JSON body, or nullopt if unreachable.
std::optional<json> rpc_get(uint16_t port, const std::string& target)
{
    net::io_context io;
    net::ip::tcp::socket socket(io);
    boost::system::error_code error;
    socket.connect({net::ip::make_address("127.0.0.1"), port}, error);
    if (error)
        return std::nullopt;
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(socket, request, error);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (!error)
        http::read(socket, buffer, response, error);
    if (error)
        return std::nullopt;
    auto body = json::parse(response.body(), nullptr, false);
    if (body.is_discarded())
        return std::nullopt;
    return body;
}

/// Sets `key = value` in `section` ("" = top level) of a CometBFT config.toml text.
void set_toml(std::string& text,
              const std::string& section,
              const std::string& key,
              const std::string& value)
{
    size_t from = 0;
    if (!section.empty())
    {
        from = text.find("\n[" + section + "]\n");
        ASSERT_NE(from, std::string::npos) << section;
    }
    const size_t at = text.find("\n" + key + " = ", from);
    ASSERT_NE(at, std::string::npos) << key;
    const size_t end = text.find('\n', at + 1);
    text.replace(at + 1, end - at - 1, key + " = " + value);
}

/// One cometbft node home for the test, in a fresh temporary directory.
class CometbftIntegration : public ::testing::Test
{
protected:
    void SetUp() override
    {
        binary_ = cometbft_binary();
        if (binary_.empty() || ::access(binary_.c_str(), X_OK) != 0)
            GTEST_SKIP() << "cometbft not found (set TERN_COMETBFT or run scripts/setup)";
        char pattern[] = "/tmp/tern-abci-it-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        home_ = dir_ + "/cometbft";
        socket_ = dir_ + "/abci.sock";
        Child init({binary_, "init", "--home", home_}, dir_ + "/init.log");
        ASSERT_EQ(init.wait(30s), 0) << "cometbft init failed; see " << dir_ << "/init.log";

        rpc_port_ = free_port();
        const std::string config_path = home_ + "/config/config.toml";
        std::ifstream in(config_path);
        std::stringstream text;
        text << in.rdbuf();
        std::string config = text.str();
        set_toml(config, "", "proxy_app", "\"unix://" + socket_ + "\"");
        set_toml(config, "", "log_level", "\"info\"");
        set_toml(config, "rpc", "laddr", "\"tcp://127.0.0.1:" + std::to_string(rpc_port_) + "\"");
        set_toml(config, "p2p", "laddr", "\"tcp://127.0.0.1:" + std::to_string(free_port()) + "\"");
        set_toml(config, "p2p", "pex", "false");
        set_toml(config, "consensus", "timeout_propose", "\"500ms\"");
        set_toml(config, "consensus", "timeout_commit", "\"100ms\"");
        set_toml(config, "consensus", "create_empty_blocks", "false");
        std::ofstream(config_path) << config;

        std::ifstream genesis(home_ + "/config/genesis.json");
        chain_id_ = json::parse(genesis).at("chain_id").get<std::string>();
    }

    void TearDown() override
    {
        if (!dir_.empty() && !HasFailure())
            fs::remove_all(dir_);
        else if (!dir_.empty())
            std::cerr << "kept " << dir_ << " (cometbft.log, abci.log)\n";
    }

    /// Starts cometbft against the ABCI socket.
    std::unique_ptr<Child> start_cometbft()
    {
        return std::make_unique<Child>(std::vector<std::string>{binary_, "start", "--home", home_},
                                       dir_ + "/cometbft.log");
    }

    /// A server for `app` on the test's socket, logging to abci.log.
    std::unique_ptr<Server> serve(Application& app)
    {
        auto server = std::make_unique<Server>(
            app, ServerConfig{.address = "unix://" + socket_, .log = [this](std::string_view line) {
                                  std::lock_guard lock(log_mu_);
                                  std::ofstream(dir_ + "/abci.log", std::ios::app) << line << "\n";
                              }});
        auto bound = server->start();
        EXPECT_TRUE(bound) << bound.error();
        return server;
    }

    /// Polls `condition` until true or 20 s pass.
    template <typename F>
    bool eventually(F condition)
    {
        const auto deadline = Clock::now() + 20s;
        while (Clock::now() < deadline)
        {
            if (condition())
                return true;
            std::this_thread::sleep_for(50ms);
        }
        return condition();
    }

    /// CometBFT's latest block height from /status, or -1.
    int64_t comet_height()
    {
        auto status = rpc_get(rpc_port_, "/status");
        if (!status || !status->contains("result"))
            return -1;
        return std::stoll(
            status->at("result").at("sync_info").at("latest_block_height").get<std::string>());
    }

    /// The latest block header's app hash (hex) from /status, or "".
    std::string latest_app_hash()
    {
        auto status = rpc_get(rpc_port_, "/status");
        if (!status || !status->contains("result"))
            return "";
        return status->at("result").at("sync_info").at("latest_app_hash").get<std::string>();
    }

    /// broadcast_tx_commit; the JSON result (check_tx, tx_result, height).
    json commit_tx(const std::string& tx)
    {
        auto reply =
            rpc_get(rpc_port_,
                    "/broadcast_tx_commit?tx=" +
                        to_hex(BytesView(reinterpret_cast<const uint8_t*>(tx.data()), tx.size())));
        EXPECT_TRUE(reply && reply->contains("result")) << (reply ? reply->dump() : "no reply");
        return reply && reply->contains("result") ? reply->at("result") : json{};
    }

    std::string binary_;
    std::string dir_;
    std::string home_;
    std::string socket_;
    std::string chain_id_;
    uint16_t rpc_port_ = 0;
    std::mutex log_mu_;
};

TEST_F(CometbftIntegration, DrivesTheApplicationAndReplaysOnRestart)
{
    // Phase 1: a fresh chain. InitChain, then blocks only when transactions arrive.
    CounterApp app;
    auto server = serve(app);
    auto comet = start_cometbft();
    ASSERT_TRUE(comet->started());
    ASSERT_TRUE(eventually([&] { return comet_height() >= 1; }))
        << "no block 1; see " << dir_ << "/cometbft.log";
    EXPECT_EQ(app.calls().at(0), "Info");
    EXPECT_EQ(app.calls().at(1), "InitChain " + chain_id_);

    for (const std::string tx : {"tx-1", "tx-2", "tx-3"})
    {
        const json result = commit_tx(tx);
        ASSERT_EQ(result.at("check_tx").at("code").get<int>(), 0) << result.dump();
        ASSERT_EQ(result.at("tx_result").at("code").get<int>(), 0) << result.dump();
        EXPECT_GE(std::stoll(result.at("height").get<std::string>()), 1);
    }
    // CheckTx rejection comes back through broadcast_tx_sync.
    auto rejected = rpc_get(rpc_port_, "/broadcast_tx_sync?tx=0x6261642d31");  // "bad-1"
    ASSERT_TRUE(rejected) << "no reply";
    EXPECT_EQ(rejected->at("result").at("code").get<int>(), 1) << rejected->dump();
    EXPECT_EQ(rejected->at("result").at("log").get<std::string>(), "rejected by the counter");

    EXPECT_EQ(app.txs(), (std::vector<std::string>{"tx-1", "tx-2", "tx-3"}));
    EXPECT_EQ(app.count(), 3u);
    // A block header carries the app hash of the state before it, so after a state change
    // CometBFT makes one more block (even with create_empty_blocks = false) to carry it.
    ASSERT_TRUE(eventually([&] { return latest_app_hash() == std::string(63, '0') + "3"; }))
        << latest_app_hash();
    // CometBFT stores a block before it executes it, so its latest height can be one ahead of
    // the application's last Commit for a moment: wait until both agree.
    ASSERT_TRUE(eventually([&] { return app.height() == comet_height(); }))
        << "app " << app.height() << ", cometbft " << comet_height();
    const int64_t height_before_restart = app.height();
    // Query goes through CometBFT's abci_query to the query connection.
    auto query = rpc_get(rpc_port_, "/abci_query?path=%22/count%22");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->at("result").at("response").at("value").get<std::string>(), "Mw==")
        << query->dump();  // base64("3")
    // Every FinalizeBlock was followed by its Commit, in height order.
    {
        std::vector<std::string> consensus_calls;
        for (const auto& call : app.calls())
            if (call.starts_with("FinalizeBlock") || call.starts_with("Commit"))
                consensus_calls.push_back(call);
        ASSERT_EQ(consensus_calls.size(), static_cast<size_t>(2 * height_before_restart));
        for (int64_t h = 1; h <= height_before_restart; ++h)
        {
            EXPECT_EQ(consensus_calls[2 * (h - 1)], "FinalizeBlock " + std::to_string(h));
            EXPECT_EQ(consensus_calls[2 * (h - 1) + 1], "Commit " + std::to_string(h));
        }
    }

    EXPECT_EQ(comet->terminate(15s), 0) << "cometbft did not stop on SIGTERM";
    comet.reset();
    server->stop();

    // Phase 2: the app lost its last blocks (state as of the height where the first tx
    // committed); the handshake replays the missing ones from CometBFT's block store.
    const auto history = app.count_at();
    int64_t replay_from = 0;
    for (const auto& [height, count] : history)
        if (count == 1 && replay_from == 0)
            replay_from = height;
    ASSERT_GT(replay_from, 0);
    ASSERT_LT(replay_from, height_before_restart);
    CounterApp restarted(replay_from, 1);
    server = serve(restarted);
    comet = start_cometbft();
    ASSERT_TRUE(eventually([&] { return restarted.height() >= height_before_restart; }))
        << "no replay; see " << dir_ << "/cometbft.log";
    ASSERT_TRUE(eventually([&] { return comet_height() >= height_before_restart; }));
    const auto replay_calls = restarted.calls();
    ASSERT_FALSE(replay_calls.empty());
    EXPECT_EQ(replay_calls[0], "Info");
    EXPECT_EQ(std::count_if(replay_calls.begin(), replay_calls.end(),
                            [](const std::string& c) { return c.starts_with("InitChain"); }),
              0);
    EXPECT_EQ(replay_calls.at(1), "FinalizeBlock " + std::to_string(replay_from + 1));
    EXPECT_EQ(restarted.txs(), (std::vector<std::string>{"tx-2", "tx-3"}));
    EXPECT_EQ(restarted.count(), 3u);

    // The chain goes on after the replay.
    const json result = commit_tx("tx-4");
    EXPECT_EQ(result.value("tx_result", json{}).value("code", -1), 0) << result.dump();
    EXPECT_EQ(restarted.count(), 4u);
    EXPECT_EQ(comet->terminate(15s), 0);
}

}  // namespace
}  // namespace tern::abci
