#pragma once

#include "core/result.hpp"
#include "rpc/dispatcher.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::rpc {

/// Server settings; the defaults follow geth where geth has one.
struct ServerConfig
{
    std::string host = "127.0.0.1";  ///< address to bind
    uint16_t port = 8545;            ///< 0: any free port (see Server::port())
    unsigned threads = 4;            ///< io threads; handlers run on them and may block briefly

    size_t max_body_bytes = 5 * 1024 * 1024;         ///< HTTP body; more: 413 (geth: 5 MiB)
    size_t max_header_bytes = 64 * 1024;             ///< HTTP request head; more: 431
    size_t max_ws_message_bytes = 32 * 1024 * 1024;  ///< WebSocket message; more: closed
    size_t max_ws_queued_bytes = 64 * 1024 * 1024;   ///< unsent WS output; more: closed
    size_t max_connections = 1000;                   ///< more: accepted and closed at once

    /// A connection with no request in progress is closed after this long.
    std::chrono::milliseconds idle_timeout{120'000};
    /// A request must arrive completely within this long of its first byte (slow clients).
    std::chrono::milliseconds request_timeout{30'000};
    /// A response must be written within this long.
    std::chrono::milliseconds write_timeout{30'000};
    /// WebSocket: ping after half of this without traffic, close after all of it.
    std::chrono::milliseconds ws_idle_timeout{60'000};

    /// Origins allowed by CORS on HTTP ("*": any). Empty: no CORS headers (geth's default).
    std::vector<std::string> cors_origins{"*"};
    /// Origins allowed to open a WebSocket; empty: any (dev-node behaviour, like anvil).
    std::vector<std::string> ws_origins{};
};

/// JSON-RPC server on one port: HTTP POST (plus GET/OPTIONS like geth) and WebSocket upgrade,
/// keep-alive, size limits, timeouts and a connection cap. Requests are passed to a Dispatcher,
/// which must outlive the server. Two servers can run in one process.
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
    /// The settings in force.
    const ServerConfig& config() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tern::rpc
