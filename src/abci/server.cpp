#include "abci/server.hpp"

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tern::abci {
namespace {

namespace net = boost::asio;
using Stream = net::generic::stream_protocol;
using error_code = boost::system::error_code;

constexpr size_t kReadChunk = 64 * 1024;

/// A parsed ServerConfig::address.
struct ListenAddress
{
    Stream::endpoint endpoint;
    bool is_unix = false;
    std::string path;  ///< unix socket path
    std::string host;  ///< tcp host as written (for the bound address text)
};

Result<ListenAddress, std::string> parse_address(const std::string& address)
{
    constexpr std::string_view unix_scheme = "unix://";
    constexpr std::string_view tcp_scheme = "tcp://";
    std::string_view rest = address;
    if (rest.starts_with(unix_scheme))
    {
        rest.remove_prefix(unix_scheme.size());
        if (rest.empty())
            return std::string("abci address '" + address + "': empty unix socket path");
        if (rest.size() >= sizeof(sockaddr_un::sun_path))
            return std::string("abci address '" + address + "': unix socket path longer than " +
                               std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
        ListenAddress out;
        out.is_unix = true;
        out.path = std::string(rest);
        out.endpoint = Stream::endpoint(net::local::stream_protocol::endpoint(out.path));
        return out;
    }
    if (rest.starts_with(tcp_scheme))
        rest.remove_prefix(tcp_scheme.size());
    else if (rest.find("://") != std::string_view::npos)
        return std::string("abci address '" + address + "': scheme must be tcp:// or unix://");
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos)
        return std::string("abci address '" + address + "': expected host:port");
    std::string host(rest.substr(0, colon));
    const std::string_view port_text = rest.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
        return std::string("abci address '" + address + "': bad port");
    std::string ip = host;
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']')
        ip = ip.substr(1, ip.size() - 2);
    if (ip.empty() || ip == "localhost")
        ip = "127.0.0.1";
    error_code error;
    const auto ip_address = net::ip::make_address(ip, error);
    if (error)
        return std::string("abci address '" + address + "': host must be an IP address");
    ListenAddress out;
    out.host = host.empty() ? "127.0.0.1" : host;
    out.endpoint =
        Stream::endpoint(net::ip::tcp::endpoint(ip_address, static_cast<uint16_t>(port)));
    return out;
}

/// The port of a bound TCP endpoint held as a generic endpoint.
uint16_t port_of(const Stream::endpoint& endpoint)
{
    const auto* address = reinterpret_cast<const sockaddr*>(endpoint.data());
    if (address->sa_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
    if (address->sa_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
    return 0;
}

Response exception_response(std::string error)
{
    Response response;
    response.mutable_exception()->set_error(std::move(error));
    return response;
}

}  // namespace

Response dispatch(Application& app, const Request& request)
{
    Response response;
    try
    {
        switch (request.value_case())
        {
            case Request::kEcho:
                response.mutable_echo()->set_message(request.echo().message());
                break;
            case Request::kFlush:
                response.mutable_flush();
                break;
            case Request::kInfo:
                *response.mutable_info() = app.info(request.info());
                break;
            case Request::kInitChain:
                *response.mutable_init_chain() = app.init_chain(request.init_chain());
                break;
            case Request::kQuery:
                *response.mutable_query() = app.query(request.query());
                break;
            case Request::kCheckTx:
                *response.mutable_check_tx() = app.check_tx(request.check_tx());
                break;
            case Request::kCommit:
                *response.mutable_commit() = app.commit(request.commit());
                break;
            case Request::kListSnapshots:
                *response.mutable_list_snapshots() = app.list_snapshots(request.list_snapshots());
                break;
            case Request::kOfferSnapshot:
                *response.mutable_offer_snapshot() = app.offer_snapshot(request.offer_snapshot());
                break;
            case Request::kLoadSnapshotChunk:
                *response.mutable_load_snapshot_chunk() =
                    app.load_snapshot_chunk(request.load_snapshot_chunk());
                break;
            case Request::kApplySnapshotChunk:
                *response.mutable_apply_snapshot_chunk() =
                    app.apply_snapshot_chunk(request.apply_snapshot_chunk());
                break;
            case Request::kPrepareProposal:
                *response.mutable_prepare_proposal() =
                    app.prepare_proposal(request.prepare_proposal());
                break;
            case Request::kProcessProposal:
                *response.mutable_process_proposal() =
                    app.process_proposal(request.process_proposal());
                break;
            case Request::kExtendVote:
                *response.mutable_extend_vote() = app.extend_vote(request.extend_vote());
                break;
            case Request::kVerifyVoteExtension:
                *response.mutable_verify_vote_extension() =
                    app.verify_vote_extension(request.verify_vote_extension());
                break;
            case Request::kFinalizeBlock:
                *response.mutable_finalize_block() = app.finalize_block(request.finalize_block());
                break;
            case Request::VALUE_NOT_SET:
                return exception_response("unknown request from client");
        }
    }
    catch (const std::exception& e)
    {
        return exception_response(e.what());
    }
    catch (...)
    {
        return exception_response("unknown exception in the application");
    }
    return response;
}

/// One accepted connection; destroyed only after its thread is joined, so its socket's
/// descriptor stays valid for stop()'s shutdown.
struct Connection
{
    explicit Connection(Stream::socket s, uint64_t n) : socket(std::move(s)), id(n) {}
    Stream::socket socket;
    uint64_t id;
    std::thread thread;
    std::atomic<bool> done{false};
};

struct Server::Impl
{
    Impl(Application& a, ServerConfig c) : app(a), config(std::move(c)) {}

    Application& app;
    const ServerConfig config;
    net::io_context accept_io;  ///< run by accept_thread: the listener only
    net::io_context socket_io;  ///< never run: connection sockets are used blocking
    std::optional<net::basic_socket_acceptor<Stream>> acceptor;
    std::optional<net::steady_timer> retry_timer;
    std::thread accept_thread;
    ListenAddress listen;

    mutable std::mutex mu;
    bool started = false;
    bool stopped = false;
    uint64_t next_id = 1;
    std::list<std::unique_ptr<Connection>> connections;

    void log(const std::string& line) const
    {
        if (config.log)
            config.log(line);
    }

    void accept_next()
    {
        // Accepted with accept4(SOCK_CLOEXEC) (Asio's accept leaves close-on-exec off, and a
        // child spawned meanwhile would inherit the connection): wait until a connection is
        // pending, then take it.
        acceptor->async_wait(net::socket_base::wait_read, [this](error_code ec) {
            if (ec == net::error::operation_aborted || !acceptor->is_open())
                return;
            if (!ec)
            {
                const int fd = ::accept4(acceptor->native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
                if (fd >= 0)
                {
                    Stream::socket socket(socket_io);
                    socket.assign(listen.endpoint.protocol(), fd, ec);
                    if (!ec)
                    {
                        on_accept(std::move(socket));
                        accept_next();
                        return;
                    }
                    ::close(fd);
                }
                else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED ||
                         errno == EINTR)
                {
                    accept_next();  // the connection went away before it was taken
                    return;
                }
                else
                    ec = error_code(errno, boost::system::system_category());
            }
            // Out of descriptors and the like: try again shortly instead of spinning.
            log("abci: accept failed: " + ec.message());
            retry_timer->expires_after(std::chrono::milliseconds(100));
            retry_timer->async_wait([this](error_code wait_error) {
                if (!wait_error && acceptor->is_open())
                    accept_next();
            });
        });
    }

    void on_accept(Stream::socket socket)
    {
        error_code ignored;
        std::lock_guard lock(mu);
        reap_locked();
        if (stopped)
            return;
        if (connections.size() >= config.max_connections)
        {
            log("abci: connection refused: " + std::to_string(connections.size()) +
                " connections open (max_connections)");
            socket.close(ignored);
            return;
        }
        if (!listen.is_unix)
            socket.set_option(net::ip::tcp::no_delay(true), ignored);
        auto connection = std::make_unique<Connection>(std::move(socket), next_id++);
        Connection* raw = connection.get();
        connections.push_back(std::move(connection));
        log("abci: connection " + std::to_string(raw->id) + " opened");
        raw->thread = std::thread([this, raw] {
            serve(*raw);
            raw->done = true;
        });
    }

    /// Joins and drops finished connections (their threads have returned or are returning).
    void reap_locked()
    {
        for (auto it = connections.begin(); it != connections.end();)
        {
            if ((*it)->done)
            {
                (*it)->thread.join();
                it = connections.erase(it);
            }
            else
                ++it;
        }
    }

    /// Reads, answers in order, writes on Flush; returns when the connection ends.
    void serve(Connection& connection)
    {
        const std::string name = "abci: connection " + std::to_string(connection.id);
        const std::string reason = serve_requests(connection.socket);
        error_code ignored;
        connection.socket.shutdown(net::socket_base::shutdown_both, ignored);
        log(name + " closed: " + reason);
    }

    /// The request loop; returns why it ended.
    std::string serve_requests(Stream::socket& socket)
    {
        FrameDecoder decoder(config.max_message_bytes);
        std::string out;
        std::vector<char> buffer(kReadChunk);
        error_code error;
        const auto write_out = [&] {
            if (!out.empty())
                net::write(socket, net::buffer(out), error);
            out.clear();
            return !error;
        };
        const auto fail = [&](std::string text) {
            // The client learns why before the connection closes.
            (void)append_message(out, exception_response(text));
            write_out();
            return text;
        };
        for (;;)
        {
            for (;;)
            {
                auto frame = decoder.next();
                if (!frame)
                {
                    std::string text(to_string(frame.error()));
                    if (frame.error() == FrameError::TooLarge)
                        text += " (" + std::to_string(config.max_message_bytes) + " bytes)";
                    return fail(text);
                }
                if (!*frame)
                    break;
                Request request;
                if (!request.ParseFromArray((*frame)->data(), static_cast<int>((*frame)->size())))
                    return fail("cannot parse request");
                const Response response = dispatch(app, request);
                if (!append_message(out, response))
                    return fail("response too large to serialize");
                if (response.has_exception())
                {
                    write_out();
                    return "exception: " + response.exception().error();
                }
                if (request.has_flush() || out.size() >= config.flush_bytes)
                {
                    if (!write_out())
                        return "write failed: " + error.message();
                }
            }
            const size_t n = socket.read_some(net::buffer(buffer), error);
            if (error)
                return error == net::error::eof ? std::string("peer closed")
                                                : "read failed: " + error.message();
            decoder.feed(std::string_view(buffer.data(), n));
        }
    }
};

Server::Server(Application& app, ServerConfig config)
    : impl_(std::make_unique<Impl>(app, std::move(config)))
{}

Server::~Server()
{
    stop();
}

Result<BoundAddress, std::string> Server::start()
{
    Impl& s = *impl_;
    {
        std::lock_guard lock(s.mu);
        if (s.started)
            return std::string("abci server: already started");
        s.started = true;
    }
    auto parsed = parse_address(s.config.address);
    if (!parsed)
        return parsed.error();
    s.listen = std::move(parsed.value());
    const ListenAddress& listen = s.listen;
    if (listen.is_unix)
    {
        std::error_code fs_error;
        const auto status = std::filesystem::symlink_status(listen.path, fs_error);
        if (status.type() == std::filesystem::file_type::socket)
        {
            // Left behind by a process that died; unless something still listens there.
            net::local::stream_protocol::socket probe(s.socket_io);
            error_code connect_error;
            probe.connect(listen.path, connect_error);
            if (!connect_error)
                return std::string("abci: cannot listen on " + s.config.address +
                                   ": another process is listening there");
            std::filesystem::remove(listen.path, fs_error);
        }
        else if (std::filesystem::exists(status))
            return std::string("abci: cannot listen on " + s.config.address +
                               ": the path exists and is not a socket");
    }
    const std::string where = "abci: cannot listen on " + s.config.address + ": ";
    error_code error;
    s.acceptor.emplace(s.accept_io);
    // A close-on-exec, non-blocking listening socket (Asio opens sockets without
    // SOCK_CLOEXEC: `tern node`'s cometbft child would inherit it).
    const auto protocol = listen.endpoint.protocol();
    const int listen_fd = ::socket(
        protocol.family(), protocol.type() | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol.protocol());
    if (listen_fd < 0)
        return where + std::strerror(errno);
    s.acceptor->assign(protocol, listen_fd, error);
    if (error)
    {
        ::close(listen_fd);
        return where + error.message();
    }
    if (!listen.is_unix)
        s.acceptor->set_option(net::socket_base::reuse_address(true), error);
    s.acceptor->bind(listen.endpoint, error);
    if (error)
        return where + error.message();
    s.acceptor->listen(net::socket_base::max_listen_connections, error);
    if (error)
        return where + error.message();
    BoundAddress bound;
    if (listen.is_unix)
        bound.url = "unix://" + listen.path;
    else
    {
        const Stream::endpoint local = s.acceptor->local_endpoint(error);
        if (error)
            return where + error.message();
        bound.port = port_of(local);
        bound.url = "tcp://" + listen.host + ":" + std::to_string(bound.port);
    }
    s.retry_timer.emplace(s.accept_io);
    s.accept_next();
    s.accept_thread = std::thread([&s] { s.accept_io.run(); });
    s.log("abci: listening on " + bound.url);
    return bound;
}

void Server::stop()
{
    Impl& s = *impl_;
    {
        std::lock_guard lock(s.mu);
        if (s.stopped)
            return;
        s.stopped = true;
    }
    if (s.accept_thread.joinable())
    {
        net::post(s.accept_io, [&s] {
            error_code ignored;
            s.acceptor->close(ignored);
            s.retry_timer->cancel();
        });
        s.accept_thread.join();
    }
    std::list<std::unique_ptr<Connection>> connections;
    {
        std::lock_guard lock(s.mu);
        // shutdown() (not close) wakes a blocked read or write; the descriptor stays valid
        // until the Connection is destroyed after its thread is joined.
        for (auto& connection : s.connections)
            ::shutdown(connection->socket.native_handle(), SHUT_RDWR);
        connections.swap(s.connections);
    }
    for (auto& connection : connections)
        connection->thread.join();
    connections.clear();
    if (s.acceptor && s.listen.is_unix)
    {
        std::error_code ignored;
        if (std::filesystem::symlink_status(s.listen.path, ignored).type() ==
            std::filesystem::file_type::socket)
            std::filesystem::remove(s.listen.path, ignored);
    }
}

size_t Server::connections() const
{
    std::lock_guard lock(impl_->mu);
    size_t open = 0;
    for (const auto& connection : impl_->connections)
        open += connection->done ? 0 : 1;
    return open;
}

const ServerConfig& Server::config() const noexcept
{
    return impl_->config;
}

}  // namespace tern::abci
