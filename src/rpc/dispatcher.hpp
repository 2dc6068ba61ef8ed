#pragma once

#include "core/result.hpp"
#include "rpc/json_parse.hpp"
#include "rpc/subscriptions.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::rpc {

/// JSON-RPC 2.0 error codes, and the server-defined ones geth uses.
namespace code {
inline constexpr int parse_error = -32700;         ///< body is not JSON
inline constexpr int invalid_request = -32600;     ///< not a JSON-RPC request object
inline constexpr int method_not_found = -32601;    ///< also geth's "notifications not supported"
inline constexpr int invalid_params = -32602;      ///< wrong number/types of parameters
inline constexpr int internal_error = -32603;      ///< handler failed unexpectedly
inline constexpr int server_error = -32000;        ///< geth's default for handler errors
inline constexpr int response_too_large = -32003;  ///< batch responses over the size limit
inline constexpr int limit_exceeded =
    -32005;  ///< EIP-1474: a node limit (busy, or a query over it)
}  // namespace code

/// How expensive a method is, which decides where the server runs a message calling it.
enum class Cost : uint8_t
{
    Cheap,  ///< on the connection's io thread (reads, sends: quick or sleeping)
    Heavy,  ///< on the server's bounded worker pool (EVM executions, traces, log scans)
};

/// A JSON-RPC error. Handlers throw it (or return it, see ResultHandler); it becomes the
/// response's "error" member: {"code":code,"message":message,"data":data}.
struct Error
{
    int code = code::internal_error;     ///< JSON-RPC error code
    std::string message;                 ///< human-readable message (geth's wording)
    std::optional<nlohmann::json> data;  ///< optional "data" (e.g. revert bytes as hex)

    /// -32602 with `message` (geth: "invalid argument 0: ...", "missing value for ...").
    static Error invalid_params(std::string message);
    /// -32603 with `message`.
    static Error internal(std::string message);
    /// -32000 (geth's default code) with `message`.
    static Error server(std::string message);
    /// -32601 "the method X does not exist/is not available".
    static Error method_not_found(std::string_view method);
};

/// How a call reached the dispatcher.
enum class Transport : uint8_t
{
    Internal,   ///< in-process (tests, tools)
    Http,       ///< HTTP POST: no subscriptions
    WebSocket,  ///< WebSocket: subscriptions allowed
};

/// Per-call context given to handlers: where the call came from, subscriptions for
/// connections that can receive notifications (WebSocket), and work deferred to the end of the
/// message. Lives for one message (a batch reuses one context, method() changes per item).
class CallContext
{
public:
    /// An in-process context without subscriptions.
    CallContext() = default;

    /// A context for a connection; `subscriptions` and `sink` are null when notifications are
    /// impossible (HTTP).
    CallContext(Transport transport,
                std::string remote_address,
                Subscriptions* subscriptions = nullptr,
                std::shared_ptr<NotificationSink> sink = nullptr);

    /// Transport of the connection.
    Transport transport() const noexcept { return transport_; }
    /// "ip:port" of the peer ("" in-process).
    const std::string& remote_address() const noexcept { return remote_; }
    /// The peer's IP address without the port ("1.2.3.4", "::1"; "" in-process): the key of
    /// per-client limits (filters, subscriptions).
    std::string_view client_ip() const noexcept;
    /// The server's number for the connection (unique while the server runs; 0 in-process):
    /// the key of per-connection limits.
    uint64_t connection_id() const noexcept { return connection_id_; }
    /// Sets the connection number (the transport does).
    void set_connection_id(uint64_t id) noexcept { connection_id_ = id; }
    /// Name of the method being called.
    const std::string& method() const noexcept { return method_; }
    /// True when subscribe() can succeed (WebSocket connections).
    bool can_subscribe() const noexcept { return subscriptions_ && sink_; }

    /// Subscribes this connection to `topic` with topic-specific `params`; the notification method
    /// is the namespace of the current method + "_subscription" (eth_subscribe ->
    /// eth_subscription). Returns the subscription id. Throws Error{-32601, "notifications not
    /// supported"} (geth) when the connection cannot receive notifications.
    std::string subscribe(std::string topic, nlohmann::json params = nullptr);

    /// Removes subscription `id` of this connection; false if it has no such subscription.
    bool unsubscribe(std::string_view id);

    /// Sets the method name (called by the dispatcher before each handler).
    void set_method(std::string_view method) { method_.assign(method); }

    /// True while the items of a batch of several calls are handled (set by the dispatcher):
    /// a handler may then defer shared work (one broadcast for all sends) to the batch's end.
    bool in_batch() const noexcept { return in_batch_; }
    /// Marks the context as serving a batch of several calls (the dispatcher does).
    void set_in_batch(bool in_batch) noexcept { in_batch_ = in_batch; }

    /// Queues `work` to run once the whole message (single request or every item of a batch)
    /// has been handled, before the response is sent. Lets a batch share one wait: e.g. each
    /// automine send defers its wait for inclusion, so 100 sends in a batch wait for one block
    /// instead of 100 in turn. Work runs in the order it was queued; it must not throw.
    void defer(std::function<void()> work) { deferred_.push_back(std::move(work)); }

    /// Runs the deferred work in order and clears it (the dispatcher calls it after the last
    /// item; work queued meanwhile runs too). An exception from a work item is swallowed.
    void run_deferred() noexcept;

    /// Set once nobody waits for the answer any more (the connection that sent the message
    /// closed): long handlers pass it to their Deadline and stop early. Lives as long as the
    /// context.
    const std::atomic<bool>& cancel_flag() const noexcept { return cancelled_; }
    /// True once cancel() was called.
    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }
    /// Marks the message as abandoned (the transport calls it from any thread).
    void cancel() noexcept { cancelled_.store(true, std::memory_order_relaxed); }

private:
    Transport transport_ = Transport::Internal;
    std::string remote_;
    uint64_t connection_id_ = 0;
    std::string method_;
    Subscriptions* subscriptions_ = nullptr;
    std::shared_ptr<NotificationSink> sink_;
    std::vector<std::function<void()>> deferred_;
    bool in_batch_ = false;
    std::atomic<bool> cancelled_{false};
};

/// A method implementation: receives "params" (an array or object; [] when absent) and returns
/// the "result". Throws Error for a JSON-RPC error; a nlohmann::json::exception escaping it
/// becomes -32602 (the params did not have the expected shape), any other std::exception -32603.
using Handler = std::function<nlohmann::json(const nlohmann::json& params, CallContext& ctx)>;

/// A method implementation that returns errors instead of throwing them.
using ResultHandler =
    std::function<Result<nlohmann::json, Error>(const nlohmann::json& params, CallContext& ctx)>;

/// Limits applied by the dispatcher (defaults as geth).
struct DispatchLimits
{
    size_t max_batch_items = 1000;                 ///< more: one "batch too large" error
    size_t max_batch_response_bytes = 25'000'000;  ///< results past it: "response too large"
    size_t max_depth = kMaxJsonDepth;              ///< JSON nesting deeper: parse error
    /// Live subscriptions of one connection / of all (0: no limit); more: -32000 "too many
    /// subscriptions on this connection (limit N)" / "too many subscriptions".
    size_t max_subscriptions_per_connection = SubscriptionLimits{}.per_connection;
    size_t max_subscriptions = SubscriptionLimits{}.total;
};

/// A request body parsed once (Dispatcher::parse), so that the transport can see what it calls
/// before choosing a thread to handle it on.
struct Message
{
    nlohmann::json json;               ///< the parsed body (unused when `error` is set)
    std::optional<std::string> error;  ///< the response when the body is not usable (parse error)
    std::vector<std::string> raw_ids;  ///< ids to echo as sent, per batch item (see parse())
    bool heavy = false;                ///< it calls at least one Cost::Heavy method
};

/// JSON-RPC 2.0 request parsing and dispatch to registered handlers; transport-independent.
/// Register every method before serving; handle() is then safe to call from many threads.
class Dispatcher
{
public:
    /// A dispatcher with no methods.
    explicit Dispatcher(DispatchLimits limits = {});
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// Registers (or replaces) `method`.
    void add(std::string method, Handler handler);
    /// Registers (or replaces) `method` with a handler that returns its errors.
    void add_result(std::string method, ResultHandler handler);
    /// Registers `method` (e.g. "eth_unsubscribe") as geth's unsubscribe: params [id] -> true,
    /// or Error{-32000, "subscription not found"} when the connection has no such subscription.
    void add_unsubscribe(std::string method);

    /// Unregisters `method` (a namespace turned off: calls get "method not found"); false if it
    /// was not registered. Like add(), only before serving.
    bool remove(std::string_view method);

    /// Marks registered `method` Cheap (the default) or Heavy (see Cost); replacing a handler
    /// keeps its cost. False when `method` is not registered.
    [[nodiscard]] bool set_cost(std::string_view method, Cost cost);
    /// The cost of `method` (Cheap when not registered).
    Cost cost(std::string_view method) const;

    /// True if `method` is registered.
    bool has(std::string_view method) const;
    /// Registered method names, sorted.
    std::vector<std::string> methods() const;

    /// Handles one request body (a single request or a batch). Returns the response text, or
    /// nullopt when there is nothing to send (only notifications). Runs the work handlers
    /// deferred (CallContext::defer) after the last item, before returning. Never throws. A
    /// batch whose context is cancelled (the client left) stops before its next item.
    std::optional<std::string> handle(std::string_view body, CallContext& ctx) const;

    /// Parses a request body (nesting depth limit first) and notes whether it calls a heavy
    /// method. Numeric ids that would not print as sent (floats, `-0`, integers past 64 bits)
    /// keep their raw text in `raw_ids`, so responses echo every id exactly as geth does;
    /// other ids cost nothing extra. Never throws.
    Message parse(std::string_view body) const;

    /// handle() for a parsed body.
    std::optional<std::string> handle(const Message& message, CallContext& ctx) const;

    /// The response refusing every call of `message` with `error` without running any (e.g.
    /// the server is too busy): one error per call, an array for a batch; nullopt when it
    /// holds only notifications. A body that did not parse gets its parse error.
    std::optional<std::string> refuse(const Message& message, const Error& error) const;

    /// As handle(), for an already parsed message.
    std::optional<std::string> handle_message(const nlohmann::json& message,
                                              CallContext& ctx) const;

    /// Calls `method` directly (in-process use and tests); throws Error like a handler. Work the
    /// handler deferred has run when it returns.
    nlohmann::json call(std::string_view method,
                        const nlohmann::json& params,
                        CallContext& ctx) const;

    /// The subscription registry of connections served with this dispatcher.
    Subscriptions& subscriptions() noexcept { return subscriptions_; }
    /// The limits in force.
    const DispatchLimits& limits() const noexcept { return limits_; }

    /// Response text for a request-level error (id null when `id` is null).
    static std::string error_response(const nlohmann::json& id, const Error& error);

private:
    struct StringHash
    {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept
        {
            return std::hash<std::string_view>{}(s);
        }
    };

    struct Method
    {
        ResultHandler handler;
        Cost cost = Cost::Cheap;
    };

    /// Runs one request object; appends its response to `out` unless it is a notification.
    /// `raw_id`, when not empty, is the id's text as sent. Returns the size of the "result" it
    /// appended (0 for errors/notifications).
    size_t handle_one(const nlohmann::json& request,
                      std::string_view raw_id,
                      CallContext& ctx,
                      std::string& out) const;
    std::string handle_batch(const nlohmann::json& batch,
                             const std::vector<std::string>& raw_ids,
                             CallContext& ctx,
                             bool& any) const;
    std::optional<std::string> dispatch(const nlohmann::json& message,
                                        const std::vector<std::string>& raw_ids,
                                        CallContext& ctx) const;
    bool calls_heavy(const nlohmann::json& message) const;

    DispatchLimits limits_;
    std::unordered_map<std::string, Method, StringHash, std::equal_to<>> methods_;
    size_t heavy_methods_ = 0;
    Subscriptions subscriptions_;
};

}  // namespace tern::rpc
