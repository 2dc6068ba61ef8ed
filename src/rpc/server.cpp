#include "rpc/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

namespace tern::rpc {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

/// Anything the server must be able to close when it stops (listener, sessions).
class Closable
{
public:
    virtual ~Closable() = default;
    /// Closes the socket; called only while no io thread runs (Server::stop()).
    virtual void abort() = 0;
};

/// State shared by the listener and every session; sessions keep it (and the io_context in it)
/// alive, so a session released late by a publisher thread still has a live io_context.
struct Shared
{
    Shared(Dispatcher& d, const ServerConfig& c) : dispatcher(d), config(c) {}

    Dispatcher& dispatcher;
    const ServerConfig config;
    net::io_context ioc;

    /// `live` is true while the server runs; push() holds it shared while posting.
    std::shared_mutex life_mu;
    bool live = false;

    std::atomic<size_t> connections{0};

    std::mutex tracked_mu;
    std::unordered_map<uint64_t, std::weak_ptr<Closable>> tracked;
    uint64_t next_id = 1;

    uint64_t track(std::weak_ptr<Closable> c)
    {
        std::lock_guard lock(tracked_mu);
        const uint64_t id = next_id++;
        tracked.emplace(id, std::move(c));
        return id;
    }
    void untrack(uint64_t id)
    {
        std::lock_guard lock(tracked_mu);
        tracked.erase(id);
    }
};

/// One counted connection; moves from the HTTP session to the WebSocket session on upgrade.
class ConnectionSlot
{
public:
    explicit ConnectionSlot(std::shared_ptr<Shared> shared) : shared_(std::move(shared))
    {
        shared_->connections.fetch_add(1, std::memory_order_relaxed);
    }
    ConnectionSlot(ConnectionSlot&& other) noexcept : shared_(std::move(other.shared_)) {}
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot()
    {
        if (shared_)
            shared_->connections.fetch_sub(1, std::memory_order_relaxed);
    }

private:
    std::shared_ptr<Shared> shared_;
};

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

/// geth accepts these media types (parameters such as charset ignored).
bool accepted_content_type(std::string_view value)
{
    const auto mt = trim(value.substr(0, value.find(';')));
    return iequals(mt, "application/json") || iequals(mt, "application/json-rpc") ||
           iequals(mt, "application/jsonrequest");
}

/// The Access-Control-Allow-Origin value for `origin`, or "" when CORS does not allow it.
std::string cors_allow(const std::vector<std::string>& allowed, std::string_view origin)
{
    if (origin.empty())
        return {};
    for (const auto& a : allowed)
    {
        if (a == "*")
            return "*";
        if (iequals(a, origin))
            return std::string(origin);
    }
    return {};
}

bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin)
{
    if (allowed.empty())
        return true;
    for (const auto& a : allowed)
        if (a == "*" || iequals(a, origin))
            return true;
    return false;
}

std::string remote_of(const tcp::socket& socket)
{
    error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    if (ec)
        return {};
    const auto addr = ep.address();
    return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" +
           std::to_string(ep.port());
}

/// `host` as it appears in a URL (IPv6 literals in brackets).
std::string url_host(const std::string& host)
{
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

bool quiet_error(const error_code& ec)
{
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == beast::error::timeout || ec == net::error::operation_aborted ||
           ec == net::error::connection_reset || ec == net::error::bad_descriptor ||
           ec == net::error::broken_pipe || ec == http::error::partial_message;
}

// ---------------------------------------------------------------------------------------------
// WebSocket session
// ---------------------------------------------------------------------------------------------

class WsSession final : public Closable,
                        public NotificationSink,
                        public std::enable_shared_from_this<WsSession>
{
public:
    WsSession(beast::tcp_stream&& stream,
              std::shared_ptr<Shared> shared,
              ConnectionSlot&& slot,
              std::string remote)
        : ws_(std::move(stream)),
          shared_(std::move(shared)),
          slot_(std::move(slot)),
          remote_(std::move(remote))
    {}

    ~WsSession() override
    {
        remove_subscriptions();
        shared_->untrack(id_);
    }

    void start(http::request<http::string_body>&& req)
    {
        id_ = shared_->track(weak_from_this());
        req_ = std::move(req);
        const auto& cfg = shared_->config;
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = cfg.request_timeout;
        t.idle_timeout = cfg.ws_idle_timeout;
        t.keep_alive_pings = true;
        ws_.set_option(t);
        ws_.read_message_max(cfg.max_ws_message_bytes);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "tern"); }));
        ws_.async_accept(*req_,
                         beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
    }

    bool push(std::shared_ptr<const std::string> message) override
    {
        if (!open_.load(std::memory_order_acquire))
            return false;
        std::shared_lock lock(shared_->life_mu);
        if (!shared_->live)
            return false;
        net::post(ws_.get_executor(),
                  [self = shared_from_this(), m = std::move(message)]() mutable {
                      self->enqueue(std::move(m));
                  });
        return true;
    }

    void abort() override
    {
        open_ = false;
        closed_ = true;
        remove_subscriptions();
        error_code ec;
        beast::get_lowest_layer(ws_).socket().close(ec);
    }

private:
    void on_accept(error_code ec)
    {
        req_.reset();
        if (ec)
            return fail();
        do_read();
    }

    void do_read()
    {
        ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
    }

    void on_read(error_code ec, size_t)
    {
        if (ec)
            return fail();
        std::string text = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        std::optional<std::string> out;
        {
            CallContext ctx(Transport::WebSocket, remote_, &shared_->dispatcher.subscriptions(),
                            shared_from_this());
            out = shared_->dispatcher.handle(text, ctx);
        }
        if (out)
            enqueue(std::make_shared<const std::string>(std::move(*out)));
        if (!closed_)
            do_read();
    }

    void enqueue(std::shared_ptr<const std::string> message)
    {
        if (closed_)
            return;
        if (queued_bytes_ + message->size() > shared_->config.max_ws_queued_bytes)
            return fail();  // the client does not read its responses/notifications
        queued_bytes_ += message->size();
        queue_.push_back(std::move(message));
        if (!writing_)
            do_write();
    }

    void do_write()
    {
        writing_ = true;
        ws_.text(true);
        ws_.async_write(net::buffer(*queue_.front()),
                        beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
    }

    void on_write(error_code ec, size_t)
    {
        writing_ = false;
        if (ec || closed_)
            return fail();
        queued_bytes_ -= queue_.front()->size();
        queue_.pop_front();
        if (!queue_.empty() && !closed_)
            do_write();
    }

    void fail()
    {
        if (closed_)
            return;
        closed_ = true;
        open_ = false;
        remove_subscriptions();
        // The queue stays: an async_write may still be reading its front message.
        error_code ec;
        beast::get_lowest_layer(ws_).socket().close(ec);
    }

    void remove_subscriptions()
    {
        if (subscriptions_removed_)
            return;
        subscriptions_removed_ = true;
        shared_->dispatcher.subscriptions().remove_all(this);
    }

    websocket::stream<beast::tcp_stream> ws_;
    std::shared_ptr<Shared> shared_;
    ConnectionSlot slot_;
    std::string remote_;
    uint64_t id_ = 0;
    std::optional<http::request<http::string_body>> req_;
    beast::flat_buffer buffer_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool closed_ = false;
    bool subscriptions_removed_ = false;
    std::atomic<bool> open_{true};
};

// ---------------------------------------------------------------------------------------------
// HTTP session
// ---------------------------------------------------------------------------------------------

class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession>
{
public:
    HttpSession(tcp::socket&& socket, std::shared_ptr<Shared> shared, ConnectionSlot&& slot)
        : remote_(remote_of(socket)),
          stream_(std::move(socket)),
          shared_(std::move(shared)),
          slot_(std::move(slot))
    {}

    ~HttpSession() override { shared_->untrack(id_); }

    void start()
    {
        id_ = shared_->track(weak_from_this());
        net::dispatch(stream_.get_executor(),
                      beast::bind_front_handler(&HttpSession::wait_request, shared_from_this()));
    }

    void abort() override
    {
        error_code ec;
        stream_.socket().close(ec);
    }

private:
    const ServerConfig& cfg() const { return shared_->config; }

    /// Waits (idle timeout) for the first byte of the next request.
    void wait_request()
    {
        if (buffer_.size() > 0)
            return read_header();
        stream_.expires_after(cfg().idle_timeout);
        stream_.async_read_some(
            buffer_.prepare(4096),
            beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
    }

    void on_first_bytes(error_code ec, size_t n)
    {
        if (ec)
            return close();
        buffer_.commit(n);
        read_header();
    }

    /// Reads the rest of the head (request timeout from here to the end of the body).
    void read_header()
    {
        parser_.emplace();
        parser_->header_limit(static_cast<uint32_t>(
            std::min<size_t>(cfg().max_header_bytes, std::numeric_limits<uint32_t>::max())));
        parser_->body_limit(boost::none);
        stream_.expires_after(cfg().request_timeout);
        http::async_read_header(
            stream_, buffer_, *parser_,
            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
    }

    void on_header(error_code ec, size_t)
    {
        if (ec)
            return on_read_error(ec);
        const auto& req = parser_->get();
        if (const auto len = parser_->content_length(); len && *len > cfg().max_body_bytes)
        {
            keep_alive_ = false;
            return send_text(http::status::payload_too_large,
                             "content length too large (" + std::to_string(*len) + ">" +
                                 std::to_string(cfg().max_body_bytes) + ")",
                             /*drain=*/true);
        }
        parser_->body_limit(cfg().max_body_bytes);
        if (parser_->is_done())
            return on_request();
        if (iequals(req[http::field::expect], "100-continue"))
        {
            continue_.emplace(http::status::continue_, req.version());
            return http::async_write(
                stream_, *continue_,
                beast::bind_front_handler(&HttpSession::on_continue, shared_from_this()));
        }
        read_body();
    }

    void on_continue(error_code ec, size_t)
    {
        continue_.reset();
        if (ec)
            return close();
        read_body();
    }

    void read_body()
    {
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&HttpSession::on_body, shared_from_this()));
    }

    void on_body(error_code ec, size_t)
    {
        if (ec)
            return on_read_error(ec);
        on_request();
    }

    void on_read_error(error_code ec)
    {
        keep_alive_ = false;
        if (ec == http::error::body_limit)
            return send_text(
                http::status::payload_too_large,
                "content length too large (>" + std::to_string(cfg().max_body_bytes) + ")", true);
        if (ec == http::error::header_limit)
            return send_text(http::status::request_header_fields_too_large,
                             "431 Request Header Fields Too Large", true);
        if (quiet_error(ec))
            return close();
        send_text(http::status::bad_request, "400 Bad Request", true);
    }

    void on_request()
    {
        auto req = parser_->release();
        parser_.reset();
        keep_alive_ = req.keep_alive();

        const std::string_view origin = req[http::field::origin];
        if (websocket::is_upgrade(req))
        {
            if (!origin_allowed(cfg().ws_origins, origin))
            {
                keep_alive_ = false;
                return send_text(http::status::forbidden, "websocket: request origin not allowed",
                                 false);
            }
            auto ws =
                std::make_shared<WsSession>(std::move(stream_), shared_, std::move(slot_), remote_);
            ws->start(std::move(req));
            return;
        }

        const std::string allow_origin = cors_allow(cfg().cors_origins, origin);
        const auto add_cors = [&](http::response<http::string_body>& res) {
            if (!cfg().cors_origins.empty() && !origin.empty())
                res.set(http::field::vary, "Origin");
            if (!allow_origin.empty())
                res.set(http::field::access_control_allow_origin, allow_origin);
        };

        switch (req.method())
        {
            case http::verb::options:
            {
                const bool preflight = req.count(http::field::access_control_request_method) > 0;
                auto& res = response(preflight ? http::status::no_content : http::status::ok);
                add_cors(res);
                if (preflight && !allow_origin.empty())
                {
                    res.set(http::field::access_control_allow_methods, "POST, GET, OPTIONS");
                    if (const auto h = req[http::field::access_control_request_headers]; !h.empty())
                        res.set(http::field::access_control_allow_headers, h);
                    res.set(http::field::access_control_max_age, "600");
                }
                return write();
            }
            case http::verb::put:
            case http::verb::delete_:
                return send_text(http::status::method_not_allowed, "method not allowed", false);
            case http::verb::head:
            {
                auto& res = response(http::status::ok);
                add_cors(res);
                return write();
            }
            case http::verb::get:
                // geth answers a bare GET (health checks, probes) with an empty 200.
                if (req.body().empty() && req.target().find('?') == std::string_view::npos)
                {
                    auto& res = response(http::status::ok);
                    add_cors(res);
                    return write();
                }
                break;
            case http::verb::post:
                break;
            default:
                return send_text(http::status::method_not_allowed, "method not allowed", false);
        }

        if (!accepted_content_type(req[http::field::content_type]))
            return send_text(http::status::unsupported_media_type,
                             "invalid content type, only application/json is supported", false);

        std::optional<std::string> out;
        {
            CallContext ctx(Transport::Http, remote_);
            out = shared_->dispatcher.handle(req.body(), ctx);
        }
        auto& res = response(http::status::ok);
        add_cors(res);
        res.set(http::field::content_type, "application/json");
        if (out)
            res.body() = std::move(*out);
        write();
    }

    http::response<http::string_body>& response(http::status status)
    {
        res_.emplace(status, 11);
        return *res_;
    }

    /// A plain-text error like Go's http.Error.
    void send_text(http::status status, std::string_view text, bool drain)
    {
        drain_ = drain;
        auto& res = response(status);
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.set("X-Content-Type-Options", "nosniff");
        res.body().assign(text);
        res.body() += '\n';
        write();
    }

    void write()
    {
        res_->keep_alive(keep_alive_);
        res_->prepare_payload();
        stream_.expires_after(cfg().write_timeout);
        http::async_write(stream_, *res_,
                          beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
    }

    void on_write(error_code ec, size_t)
    {
        res_.reset();
        if (ec)
            return close();
        if (!keep_alive_)
            return drain_ ? linger() : close();
        wait_request();
    }

    /// After an error response to a request whose body was not read: stop sending and read
    /// (and drop) what the client still sends for a moment, so closing does not reset the
    /// connection before the client has read the response.
    void linger()
    {
        error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.expires_after(std::chrono::seconds(1));
        buffer_.consume(buffer_.size());
        stream_.async_read_some(
            buffer_.prepare(65536),
            beast::bind_front_handler(&HttpSession::on_linger, shared_from_this()));
    }

    void on_linger(error_code ec, size_t n)
    {
        drained_ += n;
        if (ec || drained_ > 4 * cfg().max_body_bytes)
            return close();
        stream_.async_read_some(
            buffer_.prepare(65536),
            beast::bind_front_handler(&HttpSession::on_linger, shared_from_this()));
    }

    void close()
    {
        error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.socket().close(ec);
    }

    std::string remote_;
    beast::tcp_stream stream_;
    std::shared_ptr<Shared> shared_;
    ConnectionSlot slot_;
    uint64_t id_ = 0;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::empty_body>> continue_;
    std::optional<http::response<http::string_body>> res_;
    bool keep_alive_ = true;
    bool drain_ = false;
    size_t drained_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Listener
// ---------------------------------------------------------------------------------------------

class Listener final : public Closable, public std::enable_shared_from_this<Listener>
{
public:
    Listener(std::shared_ptr<Shared> shared, tcp::acceptor&& acceptor)
        : shared_(std::move(shared)),
          acceptor_(std::move(acceptor)),
          retry_(acceptor_.get_executor())
    {}

    ~Listener() override { shared_->untrack(id_); }

    void start()
    {
        id_ = shared_->track(weak_from_this());
        do_accept();
    }

    void abort() override
    {
        error_code ec;
        acceptor_.close(ec);
        retry_.cancel();
    }

private:
    void do_accept()
    {
        if (!acceptor_.is_open())
            return;
        acceptor_.async_accept(net::make_strand(shared_->ioc),
                               beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(error_code ec, tcp::socket socket)
    {
        if (ec == net::error::operation_aborted || !acceptor_.is_open())
            return;
        if (ec)
        {
            // Out of descriptors or similar: back off instead of spinning.
            retry_.expires_after(std::chrono::milliseconds(50));
            retry_.async_wait([self = shared_from_this()](error_code e) {
                if (!e)
                    self->do_accept();
            });
            return;
        }
        if (shared_->connections.load(std::memory_order_relaxed) >= shared_->config.max_connections)
        {
            error_code ignored;
            socket.close(ignored);
        }
        else
        {
            error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<HttpSession>(std::move(socket), shared_, ConnectionSlot(shared_))
                ->start();
        }
        do_accept();
    }

    std::shared_ptr<Shared> shared_;
    tcp::acceptor acceptor_;
    net::steady_timer retry_;
    uint64_t id_ = 0;
};

}  // namespace

// -------------------------------------------------------------------------------------------------
// Server
// -------------------------------------------------------------------------------------------------

struct Server::Impl
{
    Impl(Dispatcher& d, ServerConfig c) : dispatcher(d), config(std::move(c)) {}

    Dispatcher& dispatcher;
    ServerConfig config;
    std::mutex mu;
    std::shared_ptr<Shared> shared;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    std::atomic<uint16_t> port{0};
    std::atomic<bool> running{false};
};

Server::Server(Dispatcher& dispatcher, ServerConfig config)
    : impl_(std::make_unique<Impl>(dispatcher, std::move(config)))
{}

Server::~Server()
{
    stop();
}

Result<uint16_t, std::string> Server::start()
{
    std::lock_guard lock(impl_->mu);
    if (impl_->running)
        return std::string("server already running");
    const auto& cfg = impl_->config;
    auto shared = std::make_shared<Shared>(impl_->dispatcher, cfg);
    const std::string where = cfg.host + ":" + std::to_string(cfg.port);

    error_code ec;
    tcp::resolver resolver(shared->ioc);
    const auto results =
        resolver.resolve(cfg.host, std::to_string(cfg.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty())
        return "cannot listen on " + where + ": " + (ec ? ec.message() : "no address");
    const tcp::endpoint endpoint = results.begin()->endpoint();

    tcp::acceptor acceptor(shared->ioc);
    if (acceptor.open(endpoint.protocol(), ec); ec)
        return "cannot listen on " + where + ": " + ec.message();
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (acceptor.bind(endpoint, ec); ec)
        return "cannot listen on " + where + ": " + ec.message();
    if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec)
        return "cannot listen on " + where + ": " + ec.message();
    impl_->port = acceptor.local_endpoint(ec).port();

    {
        std::unique_lock life(shared->life_mu);
        shared->live = true;
    }
    std::make_shared<Listener>(shared, std::move(acceptor))->start();
    impl_->work.emplace(shared->ioc.get_executor());
    const unsigned n = std::max(1u, cfg.threads);
    for (unsigned i = 0; i < n; ++i)
        impl_->threads.emplace_back([s = shared.get()] {
            for (;;)
            {
                try
                {
                    s->ioc.run();
                    return;
                }
                catch (...)
                {
                    // A handler threw past its own guards; keep serving.
                }
            }
        });
    impl_->shared = std::move(shared);
    impl_->running = true;
    return impl_->port.load();
}

void Server::stop()
{
    std::lock_guard lock(impl_->mu);
    if (!impl_->running)
        return;
    auto& shared = *impl_->shared;
    {
        std::unique_lock life(shared.life_mu);
        shared.live = false;
    }
    impl_->work.reset();
    shared.ioc.stop();
    for (auto& t : impl_->threads)
        t.join();
    impl_->threads.clear();

    // No io thread runs now: close every socket, then let the aborted operations complete so
    // the sessions release themselves.
    std::vector<std::shared_ptr<Closable>> open;
    {
        std::lock_guard tracked(shared.tracked_mu);
        for (auto& [id, weak] : shared.tracked)
            if (auto c = weak.lock())
                open.push_back(std::move(c));
    }
    for (auto& c : open)
        c->abort();
    open.clear();
    shared.ioc.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!shared.ioc.stopped() && std::chrono::steady_clock::now() < deadline)
    {
        shared.ioc.run_for(std::chrono::milliseconds(20));
        bool all_closed = false;
        {
            std::lock_guard tracked(shared.tracked_mu);
            all_closed = shared.tracked.empty();
        }
        if (all_closed)
        {
            shared.ioc.poll();
            break;
        }
    }
    impl_->running = false;
}

bool Server::running() const noexcept
{
    return impl_->running;
}

uint16_t Server::port() const noexcept
{
    return impl_->port.load();
}

std::string Server::http_url() const
{
    return "http://" + url_host(impl_->config.host) + ":" + std::to_string(impl_->port.load());
}

std::string Server::ws_url() const
{
    return "ws://" + url_host(impl_->config.host) + ":" + std::to_string(impl_->port.load());
}

size_t Server::connections() const noexcept
{
    std::lock_guard lock(impl_->mu);
    return impl_->shared ? impl_->shared->connections.load() : 0;
}

const ServerConfig& Server::config() const noexcept
{
    return impl_->config;
}

}  // namespace tern::rpc
