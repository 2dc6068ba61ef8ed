#include "abci/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace tern::abci {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

/// Answers from fixed data; query throws; finalize_block can be held until released.
class TestApp : public Application
{
public:
    ResponseInfo info(const RequestInfo& request) override
    {
        ResponseInfo response;
        response.set_data("test:" + request.version());
        response.set_last_block_height(7);
        response.set_last_block_app_hash(std::string(32, '\x07'));
        return response;
    }
    ResponseInitChain init_chain(const RequestInitChain&) override { return {}; }
    ResponseCheckTx check_tx(const RequestCheckTx& request) override
    {
        ResponseCheckTx response;
        response.set_data(request.tx());
        response.set_code(request.type() == RECHECK ? 1 : 0);
        return response;
    }
    ResponsePrepareProposal prepare_proposal(const RequestPrepareProposal&) override { return {}; }
    ResponseProcessProposal process_proposal(const RequestProcessProposal&) override { return {}; }
    ResponseFinalizeBlock finalize_block(const RequestFinalizeBlock& request) override
    {
        std::unique_lock lock(mu);
        finalize_entered = true;
        cv.notify_all();
        cv.wait(lock, [&] { return !hold_finalize; });
        ResponseFinalizeBlock response;
        response.set_app_hash(std::to_string(request.height()));
        return response;
    }
    ResponseCommit commit(const RequestCommit&) override { return {}; }
    ResponseQuery query(const RequestQuery& request) override
    {
        throw std::runtime_error("query failed: " + request.path());
    }

    std::mutex mu;
    std::condition_variable cv;
    bool hold_finalize = false;
    bool finalize_entered = false;
};

/// A blocking client over TCP or a unix socket.
class Client
{
public:
    explicit Client(const BoundAddress& address) : socket_(io_)
    {
        if (address.port != 0)
        {
            net::ip::tcp::socket tcp(io_);
            tcp.connect({net::ip::make_address("127.0.0.1"), address.port});
            socket_ = Socket(std::move(tcp));
        }
        else
        {
            net::local::stream_protocol::socket local(io_);
            local.connect(address.url.substr(std::string_view("unix://").size()));
            socket_ = Socket(std::move(local));
        }
    }

    void send(const Request& request)
    {
        std::string out;
        ASSERT_TRUE(append_message(out, request));
        send_raw(out);
    }
    /// Writes bytes; a connection closed by the server shows up in receive().
    void send_raw(std::string_view bytes)
    {
        boost::system::error_code ignored;
        net::write(socket_, net::buffer(bytes), ignored);
    }

    /// The next response, or std::nullopt at end of stream.
    std::optional<Response> receive()
    {
        for (;;)
        {
            auto frame = decoder_.next();
            if (!frame || *frame)
            {
                Response response;
                EXPECT_TRUE(frame && response.ParseFromArray((*frame)->data(),
                                                             static_cast<int>((*frame)->size())));
                return response;
            }
            char buffer[65536];
            boost::system::error_code error;
            const size_t n = socket_.read_some(net::buffer(buffer), error);
            if (error)
                return std::nullopt;
            decoder_.feed(std::string_view(buffer, n));
        }
    }

    /// Bytes readable now without blocking.
    size_t available() { return socket_.available(); }

private:
    using Socket = net::generic::stream_protocol::socket;
    net::io_context io_;
    Socket socket_;
    FrameDecoder decoder_;
};

/// Starts `server`; the test fails if it cannot (the address is then empty).
BoundAddress start(Server& server)
{
    auto bound = server.start();
    EXPECT_TRUE(bound) << bound.error();
    return bound ? *bound : BoundAddress{};
}

Request echo(std::string message)
{
    Request request;
    request.mutable_echo()->set_message(std::move(message));
    return request;
}
Request flush()
{
    Request request;
    request.mutable_flush();
    return request;
}
Request info(std::string version)
{
    Request request;
    request.mutable_info()->set_version(std::move(version));
    return request;
}

std::string socket_path(const std::string& name)
{
    return (std::filesystem::temp_directory_path() /
            ("tern-abci-" + std::to_string(::getpid()) + "-" + name + ".sock"))
        .string();
}

TEST(AbciServer, EchoInfoFlushAnsweredInOrderOverUnixSocket)
{
    TestApp app;
    const std::string path = socket_path("order");
    Server server(app, {.address = "unix://" + path});
    const BoundAddress bound = start(server);
    EXPECT_EQ(bound.url, "unix://" + path);
    EXPECT_EQ(bound.port, 0);
    Client client(bound);
    client.send(echo("hello"));
    client.send(info("0.38.26"));
    client.send(flush());
    auto r1 = client.receive();
    auto r2 = client.receive();
    auto r3 = client.receive();
    ASSERT_TRUE(r1 && r2 && r3);
    ASSERT_TRUE(r1->has_echo());
    EXPECT_EQ(r1->echo().message(), "hello");
    ASSERT_TRUE(r2->has_info());
    EXPECT_EQ(r2->info().data(), "test:0.38.26");
    EXPECT_EQ(r2->info().last_block_height(), 7);
    EXPECT_TRUE(r3->has_flush());
    server.stop();
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(AbciServer, StringFieldsCarryArbitraryBytes)
{
    // CometBFT (Go) never checks UTF-8: a Query path or Echo from a client may hold any bytes.
    TestApp app;
    Server server(app, {.address = "tcp://127.0.0.1:0"});
    const BoundAddress bound = start(server);
    Client client(bound);
    client.send(echo(std::string("\xff\xfe\x00!", 4)));
    client.send(flush());
    auto response = client.receive();
    ASSERT_TRUE(response && response->has_echo());
    EXPECT_EQ(response->echo().message(), std::string("\xff\xfe\x00!", 4));
}

TEST(AbciServer, ResponsesWaitForFlush)
{
    TestApp app;
    Server server(app, {.address = "tcp://127.0.0.1:0"});
    const BoundAddress bound = start(server);
    EXPECT_NE(bound.port, 0);
    EXPECT_EQ(bound.url, "tcp://127.0.0.1:" + std::to_string(bound.port));
    Client client(bound);
    client.send(echo("buffered"));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(client.available(), 0u);
    client.send(flush());
    auto r1 = client.receive();
    auto r2 = client.receive();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(r1->echo().message(), "buffered");
    EXPECT_TRUE(r2->has_flush());
}

TEST(AbciServer, PipelinedRequestsInOneWriteKeepTheirOrder)
{
    TestApp app;
    Server server(app, {.address = "tcp://127.0.0.1:0", .flush_bytes = 4096});
    const BoundAddress bound = start(server);
    Client client(bound);
    constexpr int kCount = 2000;
    std::string batch;
    for (int i = 0; i < kCount; ++i)
    {
        Request request;
        request.mutable_check_tx()->set_tx("tx-" + std::to_string(i));
        request.mutable_check_tx()->set_type(i % 2 ? RECHECK : NEW);
        ASSERT_TRUE(append_message(batch, request));
    }
    ASSERT_TRUE(append_message(batch, flush()));
    client.send_raw(batch);
    for (int i = 0; i < kCount; ++i)
    {
        auto response = client.receive();
        ASSERT_TRUE(response && response->has_check_tx()) << i;
        EXPECT_EQ(response->check_tx().data(), "tx-" + std::to_string(i));
        EXPECT_EQ(response->check_tx().code(), i % 2 ? 1u : 0u);
    }
    auto last = client.receive();
    ASSERT_TRUE(last);
    EXPECT_TRUE(last->has_flush());
}

TEST(AbciServer, ApplicationExceptionIsReportedAndClosesOnlyThatConnection)
{
    TestApp app;
    Server server(app, {.address = "tcp://127.0.0.1:0"});
    const BoundAddress bound = start(server);
    Client failing(bound);
    Client healthy(bound);
    Request query;
    query.mutable_query()->set_path("/store");
    failing.send(echo("before"));
    failing.send(query);
    failing.send(flush());
    auto r1 = failing.receive();
    auto r2 = failing.receive();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(r1->echo().message(), "before");
    ASSERT_TRUE(r2->has_exception());
    EXPECT_EQ(r2->exception().error(), "query failed: /store");
    EXPECT_FALSE(failing.receive());  // closed: the Flush after it is not answered

    healthy.send(echo("still here"));
    healthy.send(flush());
    auto r3 = healthy.receive();
    ASSERT_TRUE(r3);
    EXPECT_EQ(r3->echo().message(), "still here");
}

TEST(AbciServer, OversizedMessageIsRefusedBeforeItsBody)
{
    TestApp app;
    Server server(app, {.address = "tcp://127.0.0.1:0", .max_message_bytes = 1024});
    const BoundAddress bound = start(server);
    Client client(bound);
    std::string prefix;
    append_uvarint(prefix, 1025);
    client.send_raw(prefix);  // no body: the length alone is refused
    auto response = client.receive();
    ASSERT_TRUE(response && response->has_exception());
    EXPECT_EQ(response->exception().error(), "message exceeds max size (1024 bytes)");
    EXPECT_FALSE(client.receive());
}

TEST(AbciServer, MalformedAndEmptyRequestsGetExceptions)
{
    TestApp app;
    Server server(app, {.address = "tcp://127.0.0.1:0"});
    const BoundAddress bound = start(server);
    {
        Client client(bound);
        std::string frame;
        append_frame(frame, "\xff\xff\xff");  // not a protobuf message
        client.send_raw(frame);
        auto response = client.receive();
        ASSERT_TRUE(response && response->has_exception());
        EXPECT_EQ(response->exception().error(), "cannot parse request");
        EXPECT_FALSE(client.receive());
    }
    {
        Client client(bound);
        client.send_raw(std::string(1, '\0'));  // an empty Request: no value
        auto response = client.receive();
        ASSERT_TRUE(response && response->has_exception());
        EXPECT_EQ(response->exception().error(), "unknown request from client");
    }
    {
        Client client(bound);
        client.send_raw(std::string(10, '\xff'));  // varint longer than 64 bits
        auto response = client.receive();
        ASSERT_TRUE(response && response->has_exception());
        EXPECT_EQ(response->exception().error(),
                  "malformed message length (varint longer than 64 bits)");
    }
}

TEST(AbciServer, ConnectionsAreServedConcurrently)
{
    TestApp app;
    app.hold_finalize = true;
    Server server(app, {.address = "unix://" + socket_path("concurrent")});
    const BoundAddress bound = start(server);
    Client consensus(bound);
    Client query(bound);
    Request finalize;
    finalize.mutable_finalize_block()->set_height(5);
    consensus.send(finalize);
    consensus.send(flush());
    {
        std::unique_lock lock(app.mu);
        ASSERT_TRUE(app.cv.wait_for(lock, 5s, [&] { return app.finalize_entered; }));
    }
    // The consensus connection is busy in FinalizeBlock; the query connection still answers.
    query.send(info("v"));
    query.send(flush());
    auto info_response = query.receive();
    ASSERT_TRUE(info_response && info_response->has_info());
    EXPECT_EQ(server.connections(), 2u);
    {
        std::lock_guard lock(app.mu);
        app.hold_finalize = false;
    }
    app.cv.notify_all();
    auto finalized = consensus.receive();
    ASSERT_TRUE(finalized && finalized->has_finalize_block());
    EXPECT_EQ(finalized->finalize_block().app_hash(), "5");
}

TEST(AbciServer, StopClosesIdleConnectionsAndWaitsForTheApplication)
{
    TestApp app;
    app.hold_finalize = true;
    Server server(app, {.address = "tcp://127.0.0.1:0"});
    const BoundAddress bound = start(server);
    Client idle(bound);
    Client busy(bound);
    Request finalize;
    finalize.mutable_finalize_block()->set_height(1);
    busy.send(finalize);
    {
        std::unique_lock lock(app.mu);
        ASSERT_TRUE(app.cv.wait_for(lock, 5s, [&] { return app.finalize_entered; }));
    }
    auto stopping = std::async(std::launch::async, [&] { server.stop(); });
    EXPECT_EQ(stopping.wait_for(200ms), std::future_status::timeout);  // FinalizeBlock runs
    {
        std::lock_guard lock(app.mu);
        app.hold_finalize = false;
    }
    app.cv.notify_all();
    ASSERT_EQ(stopping.wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(idle.receive());
    EXPECT_EQ(server.connections(), 0u);
}

TEST(AbciServer, ConnectionLimit)
{
    TestApp app;
    Server server(app, {.address = "tcp://127.0.0.1:0", .max_connections = 1});
    const BoundAddress bound = start(server);
    Client first(bound);
    first.send(echo("1"));
    first.send(flush());
    ASSERT_TRUE(first.receive());
    Client second(bound);
    second.send(echo("2"));
    second.send(flush());
    EXPECT_FALSE(second.receive());
}

/// The descriptors of this process whose socket is bound to `bound` (the server's listener and
/// its accepted connections; a client's socket has another local address), each with whether
/// it is close-on-exec.
std::vector<std::pair<int, bool>> server_descriptors(const BoundAddress& bound)
{
    std::vector<std::pair<int, bool>> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    {
        const int fd = std::stoi(entry.path().filename().string());
        sockaddr_storage addr{};
        socklen_t len = sizeof addr;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            continue;  // not a socket (or the directory's own descriptor, gone already)
        bool ours = false;
        if (addr.ss_family == AF_INET)
            ours = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port) == bound.port;
        else if (addr.ss_family == AF_UNIX && len > offsetof(sockaddr_un, sun_path))
            ours = "unix://" + std::string(reinterpret_cast<sockaddr_un*>(&addr)->sun_path) ==
                   bound.url;
        if (ours)
            out.emplace_back(fd, (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    }
    return out;
}

// `tern node` spawns cometbft: the ABCI server's listening socket and its connections must not
// leak into the child, so both are close-on-exec (unix and TCP).
TEST(AbciServer, SocketsAreCloseOnExec)
{
    TestApp app;
    for (const std::string& address :
         {"unix://" + socket_path("cloexec"), std::string("tcp://127.0.0.1:0")})
    {
        Server server(app, {.address = address});
        const BoundAddress bound = start(server);
        Client client(bound);
        client.send(echo("x"));
        client.send(flush());
        ASSERT_TRUE(client.receive());  // the connection is accepted
        const auto fds = server_descriptors(bound);
        EXPECT_EQ(fds.size(), 2u) << address;  // listener + the accepted connection
        for (const auto& [fd, cloexec] : fds)
            EXPECT_TRUE(cloexec) << address << ": descriptor " << fd;
        server.stop();
    }
}

TEST(AbciServer, UnixSocketPathHandling)
{
    TestApp app;
    const std::string path = socket_path("stale");
    {
        // A stale socket file from a killed process is replaced.
        net::io_context io;
        net::local::stream_protocol::acceptor stale(io, path);
    }
    ASSERT_EQ(std::filesystem::symlink_status(path).type(), std::filesystem::file_type::socket);
    Server server(app, {.address = "unix://" + path});
    const BoundAddress bound = start(server);
    Client client(bound);
    client.send(echo("x"));
    client.send(flush());
    EXPECT_TRUE(client.receive());
    // A second server on a path in use does not steal it.
    Server thief(app, {.address = "unix://" + path});
    auto in_use = thief.start();
    ASSERT_FALSE(in_use);
    EXPECT_NE(in_use.error().find("another process is listening"), std::string::npos)
        << in_use.error();
    thief.stop();
    EXPECT_TRUE(std::filesystem::exists(path));
    client.send(echo("y"));
    client.send(flush());
    EXPECT_TRUE(client.receive());
    server.stop();
    EXPECT_FALSE(std::filesystem::exists(path));

    // Anything else at the path is left alone.
    const std::string file = socket_path("regular");
    std::ofstream(file) << "keep";
    Server refused(app, {.address = "unix://" + file});
    auto error = refused.start();
    ASSERT_FALSE(error);
    EXPECT_NE(error.error().find("not a socket"), std::string::npos) << error.error();
    EXPECT_TRUE(std::filesystem::exists(file));
    std::filesystem::remove(file);
}

TEST(AbciServer, AddressErrors)
{
    TestApp app;
    for (const char* address : {"http://127.0.0.1:1", "tcp://127.0.0.1", "tcp://127.0.0.1:99999",
                                "unix://", "tcp://not-an-ip:26658"})
    {
        Server server(app, {.address = address});
        auto result = server.start();
        EXPECT_FALSE(result) << address;
    }
    Server first(app, {.address = "tcp://127.0.0.1:0"});
    auto bound = first.start();
    ASSERT_TRUE(bound) << bound.error();
    Server second(app, {.address = bound->url});
    auto taken = second.start();
    ASSERT_FALSE(taken);
    EXPECT_NE(taken.error().find("cannot listen on"), std::string::npos) << taken.error();
    auto again = first.start();
    EXPECT_FALSE(again);
}

TEST(AbciServer, LogSinkSeesConnections)
{
    TestApp app;
    std::mutex mu;
    std::vector<std::string> lines;
    Server server(app, {.address = "tcp://127.0.0.1:0", .log = [&](std::string_view line) {
                            std::lock_guard lock(mu);
                            lines.emplace_back(line);
                        }});
    const BoundAddress bound = start(server);
    {
        Client client(bound);
        client.send(flush());
        ASSERT_TRUE(client.receive());
    }
    server.stop();
    std::lock_guard lock(mu);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "abci: listening on " + bound.url);
    EXPECT_EQ(lines[1], "abci: connection 1 opened");
    EXPECT_EQ(lines[2], "abci: connection 1 closed: peer closed");
}

TEST(AbciDispatch, DefaultSnapshotAndVoteExtensionAnswers)
{
    TestApp app;
    Request offer;
    offer.mutable_offer_snapshot();
    EXPECT_EQ(dispatch(app, offer).offer_snapshot().result(), ResponseOfferSnapshot::REJECT);
    Request list;
    list.mutable_list_snapshots();
    EXPECT_EQ(dispatch(app, list).list_snapshots().snapshots_size(), 0);
    Request apply;
    apply.mutable_apply_snapshot_chunk();
    EXPECT_EQ(dispatch(app, apply).apply_snapshot_chunk().result(),
              ResponseApplySnapshotChunk::ABORT);
    Request load;
    load.mutable_load_snapshot_chunk();
    EXPECT_TRUE(dispatch(app, load).has_load_snapshot_chunk());
    Request extend;
    extend.mutable_extend_vote();
    EXPECT_EQ(dispatch(app, extend).extend_vote().vote_extension(), "");
    Request verify;
    verify.mutable_verify_vote_extension();
    EXPECT_EQ(dispatch(app, verify).verify_vote_extension().status(),
              ResponseVerifyVoteExtension::ACCEPT);
}

}  // namespace
}  // namespace tern::abci
