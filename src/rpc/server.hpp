#pragma once

#include "core/result.hpp"
#include "rpc/dispatcher.hpp"
#include "rpc/http_route.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::rpc {

/// Server settings; the defaults follow geth where geth has one (docs/dev-node.md lists them).
struct ServerConfig
{
    std::string host = "127.0.0.1";  ///< address to bind
    uint16_t port = 8545;            ///< 0: any free port (see Server::port())
    /// io threads: they read and write, and run cheap methods (reads, sends; an automine send
    /// sleeps on its thread until its block is committed).
    unsigned threads = 4;

    /// Worker threads of the heavy lane, where messages calling a Cost::Heavy method run (0:
    /// max(2, hardware threads)). Cheap methods never wait for them.
    unsigned heavy_threads = 0;
    /// Heavy messages waiting for a worker; more: -32005 "too many concurrent requests".
    size_t heavy_queue = 64;
    /// Nice value added to the heavy workers (Linux), so that block production and cheap
    /// calls win the CPU; 0: same priority.
    int heavy_nice = 5;
    /// Messages of one WebSocket handled at once (responses may come in completion order, as
    /// geth's); more: the connection is not read until one completes.
    size_t max_ws_inflight = 16;

    /// Bytes of requests and responses in flight in all (bodies being read or handled,
    /// responses being written or queued); over it new requests are refused (HTTP 503,
    /// WebSocket -32005). 0: no limit.
    size_t max_inflight_bytes = 256 * 1024 * 1024;
    size_t max_body_bytes = 5 * 1024 * 1024;         ///< HTTP body; more: 413 (geth: 5 MiB)
    size_t max_header_bytes = 64 * 1024;             ///< HTTP request head; more: 431
    size_t max_ws_message_bytes = 32 * 1024 * 1024;  ///< WebSocket message; more: closed
    size_t max_ws_queued_bytes = 64 * 1024 * 1024;   ///< unsent WS output; more: closed

    size_t max_connections = 1000;        ///< in all; more: accepted and closed at once
    size_t max_connections_per_ip = 200;  ///< per client address (IPv6: /64); 0: no limit
    size_t max_ws_per_ip = 100;           ///< WebSockets per client address; more: 429
    /// JSON-RPC calls per second a client address (IPv6: /64; loopback too) sustains, each call
    /// of a batch counting; more: HTTP 429 with Retry-After, WebSocket -32005 "rate limit
    /// exceeded" (the socket stays open). 0: no limit (geth has none; `tern node` sets 500).
    size_t requests_per_second_per_ip = 0;
    /// Calls a client may make at once above that rate (its token bucket; 0: one second's).
    size_t request_burst_per_ip = 0;

    /// A connection with no request in progress is closed after this long.
    std::chrono::milliseconds idle_timeout{120'000};
    /// A request must arrive completely within this long of its first byte (slow clients).
    std::chrono::milliseconds request_timeout{30'000};
    /// A response must be written within this long.
    std::chrono::milliseconds write_timeout{30'000};
    /// WebSocket: ping after half of this without traffic, close after all of it.
    std::chrono::milliseconds ws_idle_timeout{60'000};
    /// A WebSocket that sent no request for this long and has no subscription is closed, even
    /// if it answers pings (0: never; geth never closes one).
    std::chrono::milliseconds ws_idle_close{1'800'000};

    /// Origins allowed by CORS on HTTP ("*": any; one "*" wildcard per entry, e.g.
    /// "http://localhost:*"). Empty: no CORS headers (geth's default).
    std::vector<std::string> cors_origins{};
    /// Origins allowed to open a WebSocket (geth's --ws.origins rules; "*": any). Empty: the
    /// loopback origins http://localhost, http://127.0.0.1, http://[::1] (any port). A
    /// handshake without an Origin header (not a browser) is always allowed.
    std::vector<std::string> ws_origins{};
    /// Host names accepted in the Host header of HTTP requests and WebSocket handshakes
    /// (geth's --http.vhosts; "*": any); IP addresses are always accepted. Others: 403
    /// "invalid host specified" (defeats DNS rebinding).
    std::vector<std::string> vhosts{"localhost"};
    /// GET/HEAD routes besides JSON-RPC, by target prefix (the FileStorage files at /fs/).
    /// Their answers count against max_inflight_bytes while written (503 when it is full).
    std::vector<HttpRoute> http_routes{};
};

/// JSON-RPC server on one port: HTTP POST (plus GET/OPTIONS like geth) and WebSocket upgrade,
/// keep-alive, size limits, timeouts, connection caps (global and per client address), a
/// budget of in-flight bytes, and a bounded heavy lane for expensive methods. A message whose
/// connection closes while it is handled is cancelled (CallContext::cancel()). Requests are
/// passed to a Dispatcher, which must outlive the server. Two servers can run in one process.
/// Its sockets are close-on-exec (child processes do not inherit them).
class Server
{
public:
    /// A stopped server for `dispatcher`.
    Server(Dispatcher& dispatcher, ServerConfig config = {});
    /// Stops the server.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds host:port and starts the io threads; returns the bound port, or an error text
    /// ("cannot listen on 127.0.0.1:8545: Address already in use").
    Result<uint16_t, std::string> start();

    /// Closes the listener and every connection and joins the threads (idempotent). A handler
    /// running at that moment is waited for.
    void stop();

    /// True between a successful start() and stop().
    bool running() const noexcept;
    /// The bound port (0 before start()).
    uint16_t port() const noexcept;
    /// "http://host:port".
    std::string http_url() const;
    /// "ws://host:port".
    std::string ws_url() const;
    /// Open connections (HTTP and WebSocket).
    size_t connections() const noexcept;
    /// Bytes of requests and responses in flight (see ServerConfig::max_inflight_bytes).
    size_t inflight_bytes() const noexcept;
    /// Memory held by the connections' read buffers (test hook: it must shrink back after
    /// large messages).
    size_t buffered_bytes() const noexcept;
    /// Heavy messages running now.
    size_t heavy_running() const noexcept;
    /// Heavy messages waiting for a worker.
    size_t heavy_queued() const noexcept;
    /// The settings in force.
    const ServerConfig& config() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tern::rpc
