#include "rpc/server.hpp"

#include "rpc/byte_budget.hpp"
#include "rpc/client_limits.hpp"
#include "rpc/heap_trim.hpp"
#include "rpc/origin_policy.hpp"
#include "rpc/rate_limit.hpp"
#include "rpc/worker_pool.hpp"

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

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
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
using Clock = std::chrono::steady_clock;

/// Read buffers larger than this are given back after the message that grew them.
constexpr size_t kKeepBufferBytes = 64 * 1024;
/// A WebSocket message is read (and charged to the byte budget) this much at a time.
constexpr size_t kWsReadChunk = 64 * 1024;
/// While a heavy HTTP request runs, the connection is watched for EOF; pipelined bytes that
/// arrive meanwhile are kept, up to this much.
constexpr size_t kWatchChunk = 4096;

/// Anything the server must be able to close when it stops (listener, sessions).
class Closable
{
public:
    virtual ~Closable() = default;
    /// Closes the socket and cancels the messages in flight; called only while no io thread
    /// runs (Server::stop()).
    virtual void abort() = 0;
};

unsigned heavy_threads(const ServerConfig& c)
{
    if (c.heavy_threads != 0)
        return c.heavy_threads;
    return std::max(2u, std::thread::hardware_concurrency());
}

/// The calls `message` counts against the rate limit: each call of a batch, but one for a batch
/// over max_batch_items (refused whole, nothing runs) and for a body that did not parse.
size_t calls_in(const Message& message, const DispatchLimits& limits)
{
    if (message.error || !message.json.is_array())
        return 1;
    const size_t n = message.json.size();
    if (limits.max_batch_items != 0 && n > limits.max_batch_items)
        return 1;
    return std::max<size_t>(n, 1);
}

/// State shared by the listener and every session; sessions keep it (and the io_context in it)
/// alive, so a session released late by a publisher thread still has a live io_context.
struct Shared
{
    Shared(Dispatcher& d, const ServerConfig& c)
        : dispatcher(d),
          config(c),
          budget(c.max_inflight_bytes),
          rate(RateLimiter::Options{c.requests_per_second_per_ip, c.request_burst_per_ip}),
          heavy(WorkerPool::Options{heavy_threads(c), c.heavy_queue, c.heavy_nice})
    {}

    Dispatcher& dispatcher;
    const ServerConfig config;
    net::io_context ioc;

    /// `live` is true while the server runs; push() holds it shared while posting.
    std::shared_mutex life_mu;
    bool live = false;

    std::atomic<size_t> connections{0};
    ClientLimits clients;
    ByteBudget budget;
    RateLimiter rate;
    std::atomic<size_t> buffered{0};  // capacity of the connections' read buffers
    WorkerPool heavy;

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
    bool over_budget() const { return budget.limit() != 0 && budget.used() >= budget.limit(); }
    /// Counts the calls of `message` from the client at `key` against its rate limit
    /// (ServerConfig::requests_per_second_per_ip); refused: nothing of it may run.
    RateLimiter::Verdict admit(const ClientLimits::Key& key, const Message& message)
    {
        if (!rate.enabled())
            return {};
        return rate.take(key, calls_in(message, dispatcher.limits()), Clock::now());
    }
};

/// One counted connection (globally and per client address); moves from the HTTP session to
/// the WebSocket session on upgrade.
class ConnectionSlot
{
public:
    /// A slot for a client at `key`, or nullopt when the global or the per-address cap is full.
    static std::optional<ConnectionSlot> open(const std::shared_ptr<Shared>& shared,
                                              const ClientLimits::Key& key)
    {
        if (shared->connections.load(std::memory_order_relaxed) >= shared->config.max_connections)
            return std::nullopt;
        if (!shared->clients.try_open(key, ClientLimits::Kind::Connection,
                                      shared->config.max_connections_per_ip))
            return std::nullopt;
        return ConnectionSlot(shared, key);
    }
    ConnectionSlot(ConnectionSlot&& other) noexcept
        : shared_(std::move(other.shared_)), key_(other.key_)
    {}
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot()
    {
        if (!shared_)
            return;
        shared_->clients.close(key_, ClientLimits::Kind::Connection);
        shared_->connections.fetch_sub(1, std::memory_order_relaxed);
    }
    const ClientLimits::Key& key() const noexcept { return key_; }

private:
    ConnectionSlot(std::shared_ptr<Shared> shared, const ClientLimits::Key& key)
        : shared_(std::move(shared)), key_(key)
    {
        shared_->connections.fetch_add(1, std::memory_order_relaxed);
    }

    std::shared_ptr<Shared> shared_;
    ClientLimits::Key key_{};
};

/// One WebSocket of a client address, counted against max_ws_per_ip.
class WsSlot
{
public:
    explicit WsSlot(Shared& shared, const ClientLimits::Key& key) : shared_(&shared), key_(key) {}
    WsSlot(WsSlot&& other) noexcept
        : shared_(std::exchange(other.shared_, nullptr)), key_(other.key_)
    {}
    WsSlot(const WsSlot&) = delete;
    WsSlot& operator=(const WsSlot&) = delete;
    WsSlot& operator=(WsSlot&&) = delete;
    ~WsSlot()
    {
        if (shared_)
            shared_->clients.close(key_, ClientLimits::Kind::WebSocket);
    }

private:
    Shared* shared_;
    ClientLimits::Key key_;
};

/// A read buffer whose capacity is counted in Shared::buffered and given back after a large
/// message (a connection must not keep a buffer as large as its largest message).
class ReadBuffer
{
public:
    explicit ReadBuffer(std::atomic<size_t>& total) : total_(&total) {}
    ReadBuffer(const ReadBuffer&) = delete;
    ReadBuffer& operator=(const ReadBuffer&) = delete;
    ~ReadBuffer() { total_->fetch_sub(counted_, std::memory_order_relaxed); }

    beast::flat_buffer& get() noexcept { return buffer_; }

    /// After a message: shrinks a large buffer to what it still holds, and recounts.
    void settle()
    {
        if (const size_t capacity = buffer_.capacity(); capacity > kKeepBufferBytes)
        {
            buffer_.shrink_to_fit();
            note_large_free(capacity);  // and the heap gives the pages back to the OS
        }
        recount();
    }
    /// Updates the count after the buffer grew.
    void recount()
    {
        const size_t now = buffer_.capacity();
        total_->fetch_add(now - counted_, std::memory_order_relaxed);  // wraps when smaller
        counted_ = now;
    }

private:
    beast::flat_buffer buffer_;
    std::atomic<size_t>* total_;
    size_t counted_ = 0;
};

/// A message handed to the heavy lane: the parsed request and its budget bytes, released as
/// soon as the handler returns.
struct HeavyJob
{
    Message message;
    BudgetHold hold;
};

/// Queues `job` on the heavy lane. The worker handles it unless its client left first, lets go
/// of the request's memory and budget, and posts `done(response)` to `executor` (the session's
/// strand). False when the queue is full.
template <typename Executor, typename Done>
bool post_heavy(Shared& shared,
                const std::shared_ptr<CallContext>& ctx,
                const std::shared_ptr<HeavyJob>& job,
                Executor executor,
                Done done)
{
    return shared.heavy.post(
        [&dispatcher = shared.dispatcher, ctx, job = job, executor, done]() mutable {
            std::optional<std::string> out;
            if (!ctx->cancelled())
                out = dispatcher.handle(job->message, *ctx);
            job.reset();
            net::post(executor, [done = std::move(done), out = std::move(out)]() mutable {
                done(std::move(out));
            });
        },
        &ctx->cancel_flag());
}

Error busy_error()
{
    return Error{code::limit_exceeded, "too many concurrent requests", std::nullopt};
}

Error rate_error()
{
    return Error{code::limit_exceeded, "rate limit exceeded", std::nullopt};
}

/// The answer to `message` when its client is over its rate: each call's -32005 (one with id
/// null for a body that did not parse); nullopt when it holds only notifications.
std::optional<std::string> rate_refusal(const Dispatcher& dispatcher, const Message& message)
{
    if (message.error)
        return Dispatcher::error_response(nullptr, rate_error());
    return dispatcher.refuse(message, rate_error());
}

Error budget_error()
{
    return Error{code::limit_exceeded, "server busy: too much request data in flight",
                 std::nullopt};
}

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

std::string remote_of(const tcp::endpoint& ep)
{
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

/// A WebSocket connection. It keeps reading while messages are handled: cheap ones run at
/// once on the io thread, heavy ones on the heavy lane (at most max_ws_inflight at a time),
/// and responses are written in completion order. When the connection closes, the messages
/// still in flight are cancelled.
class WsSession final : public Closable,
                        public NotificationSink,
                        public std::enable_shared_from_this<WsSession>
{
public:
    WsSession(beast::tcp_stream&& stream,
              std::shared_ptr<Shared> shared,
              ConnectionSlot&& slot,
              WsSlot&& ws_slot,
              std::string remote)
        : ws_(std::move(stream)),
          shared_(std::move(shared)),
          slot_(std::move(slot)),
          ws_slot_(std::move(ws_slot)),
          remote_(std::move(remote)),
          buffer_(shared_->buffered),
          read_hold_(shared_->budget),
          queue_hold_(shared_->budget),
          idle_timer_(ws_.get_executor())
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
                      self->enqueue(std::move(m), /*notification=*/true);
                  });
        return true;
    }

    void abort() override
    {
        open_ = false;
        closed_ = true;
        cancel_inflight();
        remove_subscriptions();
        error_code ec;
        idle_timer_.cancel();
        beast::get_lowest_layer(ws_).socket().close(ec);
    }

private:
    const ServerConfig& cfg() const { return shared_->config; }

    void on_accept(error_code ec)
    {
        req_.reset();
        if (ec)
            return fail();
        last_activity_ = Clock::now();
        arm_idle_close();
        do_read();
    }

    /// Reads the next piece of a message, unless a read is pending or too many messages of
    /// this connection are in flight (on_handled() resumes reading then).
    void do_read()
    {
        if (reading_ || closed_ || inflight_.size() >= std::max<size_t>(1, cfg().max_ws_inflight))
            return;
        reading_ = true;
        ws_.async_read_some(buffer_.get(), kWsReadChunk,
                            beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
    }

    void on_read(error_code ec, size_t n)
    {
        reading_ = false;
        if (ec)
            return fail();
        buffer_.recount();
        // Each piece counts against the node-wide budget as it arrives; over it, the rest of
        // the message is read and dropped, and the sender gets an error.
        if (!discarding_ && !read_hold_.try_add(n))
        {
            discarding_ = true;
            read_hold_.reset();
        }
        if (discarding_)
            buffer_.get().consume(buffer_.get().size());
        if (!ws_.is_message_done())
            return do_read();

        last_activity_ = Clock::now();
        if (discarding_)
        {
            discarding_ = false;
            buffer_.settle();
            enqueue(std::make_shared<const std::string>(
                Dispatcher::error_response(nullptr, budget_error())));
            return do_read();
        }
        const auto data = buffer_.get().cdata();
        Message message = shared_->dispatcher.parse(
            std::string_view(static_cast<const char*>(data.data()), data.size()));
        buffer_.get().consume(buffer_.get().size());
        buffer_.settle();
        if (!shared_->admit(slot_.key(), message).allowed)
        {
            // Over the client's rate: each call gets -32005; the connection stays open.
            read_hold_.reset();
            if (auto out = rate_refusal(shared_->dispatcher, message))
                enqueue(std::make_shared<const std::string>(std::move(*out)));
            return do_read();
        }
        handle(std::move(message), std::exchange(read_hold_, BudgetHold(shared_->budget)));
        do_read();
    }

    void handle(Message&& message, BudgetHold&& hold)
    {
        if (!message.heavy)
        {
            std::optional<std::string> out;
            {
                CallContext ctx(Transport::WebSocket, remote_, &shared_->dispatcher.subscriptions(),
                                shared_from_this());
                ctx.set_connection_id(id_);
                out = shared_->dispatcher.handle(message, ctx);
            }
            hold.reset();
            if (out)
                enqueue(std::make_shared<const std::string>(std::move(*out)));
            return;
        }
        auto ctx =
            std::make_shared<CallContext>(Transport::WebSocket, remote_,
                                          &shared_->dispatcher.subscriptions(), shared_from_this());
        ctx->set_connection_id(id_);
        auto job = std::make_shared<HeavyJob>(HeavyJob{std::move(message), std::move(hold)});
        inflight_.push_back(ctx);
        const bool queued =
            post_heavy(*shared_, ctx, job, ws_.get_executor(),
                       [self = shared_from_this(), ctx](std::optional<std::string> out) {
                           self->on_handled(ctx, std::move(out));
                       });
        if (!queued)
        {
            inflight_.pop_back();
            if (auto out = shared_->dispatcher.refuse(job->message, busy_error()))
                enqueue(std::make_shared<const std::string>(std::move(*out)));
        }
    }

    void on_handled(const std::shared_ptr<CallContext>& ctx, std::optional<std::string> out)
    {
        std::erase(inflight_, ctx);
        last_activity_ = Clock::now();
        if (out && !closed_)
            enqueue(std::make_shared<const std::string>(std::move(*out)));
        do_read();
    }

    void enqueue(std::shared_ptr<const std::string> message, bool notification = false)
    {
        if (closed_)
            return;
        if (queued_bytes_ + message->size() > cfg().max_ws_queued_bytes)
            return fail();  // the client does not read its responses/notifications
        // Out of budget: a subscriber that is behind already is shed rather than grow memory.
        if (notification && queued_bytes_ > kKeepBufferBytes && shared_->over_budget())
            return fail();
        queued_bytes_ += message->size();
        queue_hold_.add(message->size());
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
        queue_hold_.release(queue_.front()->size());
        queue_.pop_front();
        if (!queue_.empty() && !closed_)
            do_write();
    }

    /// Closes a WebSocket that sent nothing for ws_idle_close and has no subscription (pings
    /// answered do not count as activity).
    void arm_idle_close()
    {
        if (cfg().ws_idle_close.count() <= 0 || closed_)
            return;
        idle_timer_.expires_at(last_activity_ + cfg().ws_idle_close);
        idle_timer_.async_wait(
            beast::bind_front_handler(&WsSession::on_idle_timer, shared_from_this()));
    }

    void on_idle_timer(error_code ec)
    {
        if (ec || closed_)
            return;
        const auto now = Clock::now();
        if (now < last_activity_ + cfg().ws_idle_close)
            return arm_idle_close();
        if (!inflight_.empty() || shared_->dispatcher.subscriptions().count_of(this) > 0)
        {
            last_activity_ = now;  // busy or subscribed: not idle
            return arm_idle_close();
        }
        ws_.async_close(websocket::close_reason(websocket::close_code::going_away, "idle"),
                        [self = shared_from_this()](error_code) { self->fail(); });
    }

    /// Cancels the heavy messages in flight and lets go of their contexts (a context holds
    /// this session as its notification sink: keeping it would keep the session alive).
    void cancel_inflight()
    {
        for (const auto& ctx : inflight_)
            ctx->cancel();
        inflight_.clear();
    }

    void fail()
    {
        if (closed_)
            return;
        closed_ = true;
        open_ = false;
        cancel_inflight();
        remove_subscriptions();
        idle_timer_.cancel();
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
    WsSlot ws_slot_;
    std::string remote_;
    uint64_t id_ = 0;
    std::optional<http::request<http::string_body>> req_;
    ReadBuffer buffer_;
    BudgetHold read_hold_;   // bytes of the message being read
    BudgetHold queue_hold_;  // bytes queued for writing
    bool reading_ = false;
    bool discarding_ = false;
    std::vector<std::shared_ptr<CallContext>> inflight_;  // heavy messages being handled
    net::steady_timer idle_timer_;
    Clock::time_point last_activity_{};
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

/// An HTTP connection (keep-alive, one request at a time). A heavy request runs on the heavy
/// lane while the connection is watched for EOF (the client gave up: the call is cancelled);
/// bytes of a pipelined next request that arrive meanwhile are kept.
class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession>
{
public:
    HttpSession(tcp::socket&& socket,
                std::shared_ptr<Shared> shared,
                ConnectionSlot&& slot,
                std::string remote)
        : remote_(std::move(remote)),
          stream_(std::move(socket)),
          shared_(std::move(shared)),
          slot_(std::move(slot)),
          buffer_(shared_->buffered),
          request_hold_(shared_->budget),
          response_hold_(shared_->budget)
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
        if (inflight_)
            inflight_->cancel();
        error_code ec;
        stream_.socket().close(ec);
    }

private:
    const ServerConfig& cfg() const { return shared_->config; }

    /// Waits (idle timeout) for the first byte of the next request.
    void wait_request()
    {
        if (buffer_.get().size() > 0)
            return read_header();
        stream_.expires_after(cfg().idle_timeout);
        stream_.async_read_some(
            buffer_.get().prepare(4096),
            beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
    }

    void on_first_bytes(error_code ec, size_t n)
    {
        if (ec)
            return close();
        buffer_.get().commit(n);
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
            stream_, buffer_.get(), *parser_,
            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
    }

    void on_header(error_code ec, size_t)
    {
        buffer_.recount();
        if (ec)
            return on_read_error(ec);
        const auto& req = parser_->get();
        if (!host_allowed(cfg().vhosts, req[http::field::host]))
        {
            keep_alive_ = false;
            return send_text(http::status::forbidden, "invalid host specified", /*drain=*/true);
        }
        const auto len = parser_->content_length();
        if (len && *len > cfg().max_body_bytes)
        {
            keep_alive_ = false;
            return send_text(http::status::payload_too_large,
                             "content length too large (" + std::to_string(*len) + ">" +
                                 std::to_string(cfg().max_body_bytes) + ")",
                             /*drain=*/true);
        }
        // The body counts against the node-wide budget before it is read (a chunked one at the
        // most it may be, trued up once read).
        const size_t need =
            len ? static_cast<size_t>(*len) : (parser_->chunked() ? cfg().max_body_bytes : 0);
        if (need != 0 && !request_hold_.try_add(need))
        {
            keep_alive_ = false;
            return send_text(http::status::service_unavailable,
                             "server busy: too much request data in flight", /*drain=*/true);
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
        http::async_read(stream_, buffer_.get(), *parser_,
                         beast::bind_front_handler(&HttpSession::on_body, shared_from_this()));
    }

    void on_body(error_code ec, size_t)
    {
        buffer_.recount();
        if (ec)
            return on_read_error(ec);
        on_request();
    }

    void on_read_error(error_code ec)
    {
        keep_alive_ = false;
        request_hold_.reset();
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
        // A chunked body was charged at the most it could be: keep what it is.
        if (request_hold_.bytes() > req.body().size())
            request_hold_.release(request_hold_.bytes() - req.body().size());

        const auto origin_it = req.find(http::field::origin);
        const std::string_view origin =
            origin_it == req.end() ? std::string_view() : std::string_view(origin_it->value());
        if (websocket::is_upgrade(req))
            return upgrade(std::move(req), origin_it != req.end(), origin);

        allow_origin_ = cors_allow_origin(cfg().cors_origins, origin);
        vary_origin_ = !cfg().cors_origins.empty() && !origin.empty();

        if (req.method() == http::verb::get || req.method() == http::verb::head)
            if (const HttpRoute* route = find_route(req.target()))
                return serve_route(*route, req);

        switch (req.method())
        {
            case http::verb::options:
            {
                const bool preflight = req.count(http::field::access_control_request_method) > 0;
                auto& res = response(preflight ? http::status::no_content : http::status::ok);
                add_cors(res);
                if (preflight && !allow_origin_.empty())
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

        Message message = shared_->dispatcher.parse(req.body());
        req = {};  // the body text is no longer needed
        if (const auto verdict = shared_->admit(slot_.key(), message); !verdict.allowed)
        {
            // Over the client's rate: 429, each call's -32005 (one with id null for
            // notifications only), and when to come back.
            request_hold_.reset();
            auto out = rate_refusal(shared_->dispatcher, message);
            return respond(out ? std::move(out) : Dispatcher::error_response(nullptr, rate_error()),
                           http::status::too_many_requests, verdict.retry_after);
        }
        if (!message.heavy)
        {
            std::optional<std::string> out;
            {
                CallContext ctx(Transport::Http, remote_);
                ctx.set_connection_id(id_);
                out = shared_->dispatcher.handle(message, ctx);
            }
            request_hold_.reset();
            return respond(std::move(out));
        }

        auto ctx = std::make_shared<CallContext>(Transport::Http, remote_);
        ctx->set_connection_id(id_);
        auto job = std::make_shared<HeavyJob>(HeavyJob{
            std::move(message), std::exchange(request_hold_, BudgetHold(shared_->budget))});
        inflight_ = ctx;
        const bool queued = post_heavy(*shared_, ctx, job, stream_.get_executor(),
                                       [self = shared_from_this()](std::optional<std::string> out) {
                                           self->on_handled(std::move(out));
                                       });
        if (!queued)
        {
            inflight_.reset();
            return respond(shared_->dispatcher.refuse(job->message, busy_error()));
        }
        watch();
    }

    void upgrade(http::request<http::string_body>&& req, bool has_origin, std::string_view origin)
    {
        request_hold_.reset();
        keep_alive_ = false;
        if (!ws_origin_allowed(cfg().ws_origins, has_origin, origin))
            return send_text(http::status::forbidden, "websocket: request origin not allowed",
                             false);
        if (!shared_->clients.try_open(slot_.key(), ClientLimits::Kind::WebSocket,
                                       cfg().max_ws_per_ip))
            return send_text(http::status::too_many_requests,
                             "too many websocket connections from this address", false);
        WsSlot ws_slot(*shared_, slot_.key());
        auto ws = std::make_shared<WsSession>(std::move(stream_), shared_, std::move(slot_),
                                              std::move(ws_slot), remote_);
        ws->start(std::move(req));
    }

    /// While a heavy request runs: reads what the client sends, to notice when it goes away
    /// (EOF or reset: the call is cancelled). No timeout here: the handler's own deadline
    /// bounds the wait.
    void watch()
    {
        auto& buf = buffer_.get();
        const size_t limit = cfg().max_header_bytes + cfg().max_body_bytes;
        if (buf.size() >= limit)
            return;  // enough pipelined bytes are waiting: stop watching
        watching_ = true;
        stream_.socket().async_read_some(
            buf.prepare(std::min(kWatchChunk, limit - buf.size())),
            beast::bind_front_handler(&HttpSession::on_watch, shared_from_this()));
    }

    void on_watch(error_code ec, size_t n)
    {
        watching_ = false;
        if (!ec)
        {
            buffer_.get().commit(n);
            buffer_.recount();
        }
        else if (ec != net::error::operation_aborted)
        {
            // The client closed (or reset) the connection: nobody waits for the answer.
            peer_gone_ = true;
            keep_alive_ = false;
            if (inflight_)
                inflight_->cancel();
        }
        if (pending_)
            return respond(std::exchange(pending_, std::nullopt).value());
        if (!ec && inflight_)
            watch();
    }

    void on_handled(std::optional<std::string> out)
    {
        inflight_.reset();
        if (peer_gone_)
            return close();
        if (watching_)
        {
            // The watching read ends first (cancelled; bytes already read are kept).
            pending_.emplace(std::move(out));
            error_code ec;
            stream_.socket().cancel(ec);
            return;
        }
        respond(std::move(out));
    }

    /// Writes JSON-RPC response `out` (empty body when nullopt) with `status`, and a
    /// Retry-After header when `retry_after` is not zero.
    void respond(std::optional<std::string> out,
                 http::status status = http::status::ok,
                 std::chrono::seconds retry_after = {})
    {
        if (peer_gone_)
            return close();
        auto& res = response(status);
        add_cors(res);
        res.set(http::field::content_type, "application/json");
        if (retry_after.count() > 0)
            res.set(http::field::retry_after, std::to_string(retry_after.count()));
        if (out)
            res.body() = std::move(*out);
        response_hold_.add(res.body().size());
        write();
    }

    const HttpRoute* find_route(std::string_view target) const
    {
        for (const auto& r : cfg().http_routes)
            if (target.starts_with(r.prefix))
                return &r;
        return nullptr;
    }

    /// Answers a GET/HEAD of `route` (the handler runs here, on the io thread).
    void serve_route(const HttpRoute& route, const http::request<http::string_body>& req)
    {
        request_hold_.reset();
        const HttpGet get{
            std::string_view(req.target().data(), req.target().size()),
            std::string_view(req[http::field::range].data(), req[http::field::range].size()),
            std::string_view(req[http::field::if_none_match].data(),
                             req[http::field::if_none_match].size())};
        HttpReply reply = route.handle(get);
        if (reply.stream)
            return stream_route(std::move(reply), req.method() == http::verb::head);
        if (!response_hold_.try_add(reply.body.size()))
            return send_text(http::status::service_unavailable,
                             "server busy: too much response data in flight", false);
        auto& res = response(static_cast<http::status>(reply.status));
        add_cors(res);
        res.set(http::field::content_type, reply.content_type);
        for (const auto& [name, value] : reply.headers)
            res.set(name, value);
        const size_t length = reply.body.size();
        if (req.method() != http::verb::head)
            res.body() = std::move(reply.body);
        res.keep_alive(keep_alive_);
        res.prepare_payload();
        if (req.method() == http::verb::head)
            res.content_length(length);
        stream_.expires_after(cfg().write_timeout);
        http::async_write(stream_, *res_,
                          beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
    }

    /// Writes a streamed reply: the head, then each piece as the stream gives it (the budget
    /// holds the piece being written).
    void stream_route(HttpReply reply, bool head_only)
    {
        stream_res_.emplace(static_cast<http::status>(reply.status), 11);
        auto& res = *stream_res_;
        add_cors(res);
        res.set(http::field::content_type, reply.content_type);
        for (const auto& [name, value] : reply.headers)
            res.set(name, value);
        res.content_length(reply.content_length);
        res.keep_alive(keep_alive_);
        res.body().data = nullptr;
        res.body().more = !head_only;
        next_piece_ = head_only ? BodyStream{} : std::move(reply.stream);
        stream_sr_.emplace(res);
        stream_.expires_after(cfg().write_timeout);
        http::async_write_header(
            stream_, *stream_sr_,
            beast::bind_front_handler(&HttpSession::on_stream_write, shared_from_this()));
    }

    void on_stream_write(error_code ec, size_t)
    {
        if (ec == http::error::need_buffer)
            ec = {};
        response_hold_.reset();
        if (ec)
            return end_stream(ec);
        if (!next_piece_ || stream_sr_->is_done())
            return end_stream({});
        piece_.clear();
        bool done = false;
        if (!next_piece_(piece_, done) || !response_hold_.try_add(piece_.size()))
        {
            keep_alive_ = false;  // the body cannot be completed: the client sees it short
            return end_stream(beast::errc::make_error_code(beast::errc::io_error));
        }
        auto& body = stream_res_->body();
        body.data = piece_.empty() ? nullptr : piece_.data();
        body.size = piece_.size();
        body.more = !done;
        if (done)
            next_piece_ = {};
        stream_.expires_after(cfg().write_timeout);
        http::async_write(
            stream_, *stream_sr_,
            beast::bind_front_handler(&HttpSession::on_stream_write, shared_from_this()));
    }

    void end_stream(error_code ec)
    {
        stream_sr_.reset();
        stream_res_.reset();
        next_piece_ = {};
        piece_ = std::string{};
        response_hold_.reset();
        buffer_.settle();
        if (ec || !keep_alive_)
            return close();
        wait_request();
    }

    template <typename Body>
    void add_cors(http::response<Body>& res) const
    {
        if (vary_origin_)
            res.set(http::field::vary, "Origin");
        if (!allow_origin_.empty())
            res.set(http::field::access_control_allow_origin, allow_origin_);
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
        request_hold_.reset();
        response_hold_.reset();
        buffer_.settle();
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
        buffer_.get().consume(buffer_.get().size());
        buffer_.settle();
        stream_.async_read_some(
            buffer_.get().prepare(65536),
            beast::bind_front_handler(&HttpSession::on_linger, shared_from_this()));
    }

    void on_linger(error_code ec, size_t n)
    {
        drained_ += n;
        if (ec || drained_ > 4 * cfg().max_body_bytes)
            return close();
        stream_.async_read_some(
            buffer_.get().prepare(65536),
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
    ReadBuffer buffer_;
    BudgetHold request_hold_;   // the body being read or handled
    BudgetHold response_hold_;  // the response being written
    std::optional<http::request_parser<http::string_body>> parser_;
    std::optional<http::response<http::empty_body>> continue_;
    std::optional<http::response<http::string_body>> res_;
    // A streamed route reply being written (stream_route).
    std::optional<http::response<http::buffer_body>> stream_res_;
    std::optional<http::response_serializer<http::buffer_body>> stream_sr_;
    BodyStream next_piece_;
    std::string piece_;
    std::string allow_origin_;
    bool vary_origin_ = false;
    std::shared_ptr<CallContext> inflight_;              // the heavy request being handled
    std::optional<std::optional<std::string>> pending_;  // its response, once the watch ends
    bool watching_ = false;
    bool peer_gone_ = false;
    bool keep_alive_ = true;
    bool drain_ = false;
    size_t drained_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Listener
// ---------------------------------------------------------------------------------------------

/// Accepts with accept4(SOCK_CLOEXEC) so that no accepted socket leaks into a child process
/// (the node spawns cometbft), even one forked at the same moment.
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
        acceptor_.async_wait(tcp::acceptor::wait_read,
                             beast::bind_front_handler(&Listener::on_ready, shared_from_this()));
    }

    void on_ready(error_code ec)
    {
        if (ec == net::error::operation_aborted || !acceptor_.is_open())
            return;
        if (ec)
            return back_off();
        // Take what is waiting (a bounded number per wake-up, so other work gets its turn).
        for (int i = 0; i < 64; ++i)
        {
            const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr,
                                     SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0)
            {
                if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                return back_off();  // out of descriptors or similar
            }
            admit(fd);
        }
        do_accept();
    }

    /// Out of descriptors or similar: wait a little instead of spinning.
    void back_off()
    {
        retry_.expires_after(std::chrono::milliseconds(50));
        retry_.async_wait([self = shared_from_this()](error_code e) {
            if (!e)
                self->do_accept();
        });
    }

    void admit(int fd)
    {
        tcp::socket socket(net::make_strand(shared_->ioc));
        error_code ec;
        socket.assign(acceptor_.local_endpoint(ec).protocol(), fd, ec);
        if (ec)
        {
            ::close(fd);
            return;
        }
        const auto peer = socket.remote_endpoint(ec);
        if (ec)
            return;  // already gone; the socket closes itself
        auto slot = ConnectionSlot::open(shared_, ClientLimits::key_of(peer.address()));
        if (!slot)
            return;  // over the global or the per-address cap: closed at once
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<HttpSession>(std::move(socket), shared_, std::move(*slot), remote_of(peer))
            ->start();
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
    mutable std::mutex mu;
    std::shared_ptr<Shared> shared;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    std::atomic<uint16_t> port{0};
    std::atomic<bool> running{false};

    /// `f(shared state)` under the lock; 0 before the first start().
    template <typename F>
    size_t read(F&& f) const
    {
        std::lock_guard lock(mu);
        return shared ? f(*shared) : 0;
    }
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

    // The listening socket is close-on-exec from its creation.
    const int fd =
        ::socket(endpoint.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 endpoint.protocol().protocol());
    if (fd < 0)
        return "cannot listen on " + where + ": " +
               error_code(errno, boost::system::system_category()).message();
    tcp::acceptor acceptor(shared->ioc);
    if (acceptor.assign(endpoint.protocol(), fd, ec); ec)
    {
        ::close(fd);
        return "cannot listen on " + where + ": " + ec.message();
    }
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (acceptor.bind(endpoint, ec); ec)
        return "cannot listen on " + where + ": " + ec.message();
    if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec)
        return "cannot listen on " + where + ": " + ec.message();
    acceptor.native_non_blocking(true, ec);
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

    // No io thread runs now: close every socket and cancel the messages in flight, wait for the
    // heavy handlers (they see the cancellation), then let the aborted operations complete so
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
    shared.heavy.stop();
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
    return impl_->read([](const Shared& s) { return s.connections.load(); });
}

size_t Server::inflight_bytes() const noexcept
{
    return impl_->read([](const Shared& s) { return s.budget.used(); });
}

size_t Server::buffered_bytes() const noexcept
{
    return impl_->read([](const Shared& s) { return s.buffered.load(); });
}

size_t Server::heavy_running() const noexcept
{
    return impl_->read([](const Shared& s) { return s.heavy.running(); });
}

size_t Server::heavy_queued() const noexcept
{
    return impl_->read([](const Shared& s) { return s.heavy.queued(); });
}

const ServerConfig& Server::config() const noexcept
{
    return impl_->config;
}

}  // namespace tern::rpc
