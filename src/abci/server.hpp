#pragma once

#include "abci/application.hpp"
#include "abci/framing.hpp"
#include "core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tern::abci {

/// ABCI socket server settings.
struct ServerConfig
{
    /// Where to listen: "tcp://host:port" (port 0: any free port), "host:port" (tcp), or
    /// "unix:///absolute/path" / "unix://relative/path" (a socket file left there by a dead
    /// process is replaced; one with a live listener is an error).
    std::string address = "tcp://127.0.0.1:26658";
    /// Longest request body accepted; a longer one is answered with ResponseException and the
    /// connection is closed.
    size_t max_message_bytes = kDefaultMaxMessageBytes;
    /// Connections served at once (CometBFT opens four); more are closed at once.
    size_t max_connections = 16;
    /// Pending responses are written when a Flush arrives or when this many bytes are buffered.
    size_t flush_bytes = size_t{1} << 20;
    /// Receives one line per connect, disconnect and error, from the server's threads (possibly
    /// several at once); empty: silent.
    std::function<void(std::string_view)> log = {};
};

/// Where a started server listens.
struct BoundAddress
{
    std::string url;    ///< "tcp://127.0.0.1:41234" (the real port) or "unix:///path/abci.sock"
    uint16_t port = 0;  ///< the TCP port; 0 for a unix socket
};

/// Answers one request with the application: Echo and Flush directly, every other call through
/// `app`. An exception thrown by the application, or a request without a known value, becomes
/// ResponseException{error}.
Response dispatch(Application& app, const Request& request);

/// ABCI 2.0 socket server (what CometBFT's `proxy_app` connects to). Each connection gets its
/// own thread that reads requests and answers them strictly in order, so the consensus,
/// mempool, query and snapshot connections run concurrently and the application synchronizes.
/// Responses are buffered and written on Flush. After a ResponseException (application error,
/// unparsable or oversized request) the connection is closed, as CometBFT's own server does.
class Server
{
public:
    /// A stopped server for `app`, which must outlive it.
    Server(Application& app, ServerConfig config = {});
    /// Stops the server.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and starts accepting; returns the bound address or an error text ("abci: cannot
    /// listen on tcp://127.0.0.1:26658: Address already in use"). One-shot.
    Result<BoundAddress, std::string> start();

    /// Closes the listener and every connection and joins their threads (idempotent). An
    /// application call in progress is waited for. Removes the unix socket file.
    void stop();

    /// Connections open now.
    size_t connections() const;
    /// The settings in force.
    const ServerConfig& config() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tern::abci
