// `tern chain init|add-node|up|down|status`: a multi-validator Tern chain on CometBFT.
//
// Layout written by `init` (see docs/consensus.md, "Operating a chain"):
//   DIR/chain.json                  summary: chain ids, nodes, ports, node ids (machine-readable)
//   DIR/node<i>/node.toml           what `tern node --home DIR/node<i>` reads
//   DIR/node<i>/cometbft/{config,data}/...   CometBFT home (keys, config.toml, shared genesis
//                                   whose app_state is the EVM genesis, geth format)
//   DIR/node<N>/                    a full node added by `add-node` (optionally state sync)
//   DIR/node<i>/logs/               tern.log (this process's output), cometbft.log
#include "chain_cmd.hpp"

#include "chain_funding.hpp"
#include "cometbft_path.hpp"
#include "rpc_exposure.hpp"

#include "chain/dev_accounts.hpp"
#include "chain/genesis.hpp"
#include "core/hex.hpp"

#include <sodium.h>
#include <toml++/toml.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tern::tools {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kChainFile = "chain.json";
constexpr const char* kPidFile = "tern.pid";

/// Prints `error: msg` and ends the subcommand with exit status 1.
[[noreturn]] void fail(const std::string& msg)
{
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    throw CLI::RuntimeError(1);
}

std::string read_file(const fs::path& path)
{
    std::ifstream in{path, std::ios::binary};
    if (!in)
        fail("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& path, const std::string& text)
{
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out << text;
    if (!out.flush())
        fail("cannot write " + path.string());
}

json read_json(const fs::path& path)
{
    try
    {
        return json::parse(read_file(path));
    }
    catch (const json::exception& e)
    {
        fail(path.string() + ": " + e.what());
    }
}

/// A TOML basic string literal.
std::string toml_string(const std::string& s)
{
    std::string out = "\"";
    for (const char c : s)
    {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

/// A number from another process's JSON (decimal, or hex with base 16 and an optional 0x);
/// 0 if malformed, so odd answers never abort a command.
uint64_t to_u64(const std::string& s, int base = 10)
{
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, base);
    return errno != 0 || end == s.c_str() || *end != '\0' ? 0 : v;
}

/// Runs argv[0] with the arguments, output captured; returns (exit status, output).
std::pair<int, std::string> run_command(const std::vector<std::string>& argv)
{
    int fds[2];
    if (::pipe(fds) != 0)
        fail(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0)
        fail(std::string("fork: ") + std::strerror(errno));
    if (pid == 0)
    {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        ::close(fds[0]);
        ::close(fds[1]);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;)
    {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR)
    {}
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

// ---- HTTP / JSON-RPC client (status and readiness checks) ----

/// One HTTP/1.1 request with an overall deadline; the body of a 200 response, else nullopt.
std::optional<std::string> http_request(const std::string& host,
                                        uint16_t port,
                                        bool post,
                                        const std::string& target,
                                        const std::string& body,
                                        std::chrono::milliseconds timeout)
{
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    asio::io_context ioc;
    boost::system::error_code ec;
    asio::ip::tcp::resolver resolver{ioc};
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec)
        return std::nullopt;
    beast::tcp_stream stream{ioc};
    http::request<http::string_body> req{post ? http::verb::post : http::verb::get, target, 11};
    req.set(http::field::host, host);
    req.set(http::field::connection, "close");
    if (post)
    {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    bool ok = false;
    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const auto&) {
        if (e)
            return;
        http::async_write(stream, req, [&](beast::error_code e2, size_t) {
            if (e2)
                return;
            http::async_read(stream, buffer, res, [&](beast::error_code e3, size_t) { ok = !e3; });
        });
    });
    ioc.run();
    if (!ok || res.result() != http::status::ok)
        return std::nullopt;
    return std::move(res.body());
}

/// The `result` member of a JSON-RPC answer body (nullopt: no body, not JSON, or an error).
std::optional<json> result_of(const std::optional<std::string>& body)
{
    if (!body)
        return std::nullopt;
    const json res = json::parse(*body, nullptr, false);
    if (res.is_discarded() || !res.is_object() || !res.contains("result"))
        return std::nullopt;
    return res["result"];
}

/// A JSON-RPC call's `result` (nullopt on transport errors or an `error` answer).
std::optional<json> rpc_call(const std::string& host,
                             uint16_t port,
                             const std::string& method,
                             json params = json::array(),
                             std::chrono::milliseconds timeout = std::chrono::seconds(3))
{
    const json req = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    return result_of(http_request(host, port, true, "/", req.dump(), timeout));
}

/// GET of a CometBFT RPC route (`/status`, `/net_info`): its `result` object.
std::optional<json> comet_get(const std::string& host, uint16_t port, const std::string& route)
{
    return result_of(http_request(host, port, false, route, "", std::chrono::seconds(3)));
}

// ---- keys ----

std::vector<uint8_t> base64_decode(const std::string& s)
{
    std::vector<uint8_t> out(s.size());
    size_t len = 0;
    if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        fail("bad base64 in a CometBFT key file");
    out.resize(len);
    return out;
}

std::string hex_lower(const uint8_t* p, size_t n)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i)
    {
        s += kDigits[p[i] >> 4];
        s += kDigits[p[i] & 15];
    }
    return s;
}

/// CometBFT's node id: hex of the first 20 bytes of SHA-256(ed25519 public key), read from
/// node_key.json (whose private key value is seed || public key, 64 bytes).
std::string node_id_of(const fs::path& node_key_file)
{
    const json key = read_json(node_key_file);
    const auto priv = base64_decode(key.at("priv_key").at("value").get<std::string>());
    if (priv.size() != 64)
        fail(node_key_file.string() + ": not an ed25519 key");
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, priv.data() + 32, 32);
    return hex_lower(digest, 20);
}

// ---- chain.json ----

/// One node of chain.json.
struct NodeEntry
{
    unsigned index = 0;
    std::string name;
    fs::path home;  ///< absolute
    std::string rpc_host;
    uint16_t rpc_port = 0;
    std::string comet_rpc_host;
    uint16_t comet_rpc_port = 0;
    bool validator = true;  ///< false: a full node added with `tern chain add-node`
};

struct ChainFile
{
    fs::path dir;
    uint64_t chain_id = 0;
    std::vector<NodeEntry> nodes;
    json doc;  ///< chain.json as read
};

ChainFile load_chain(const std::string& dir_arg)
{
    ChainFile chain;
    chain.dir = fs::absolute(dir_arg).lexically_normal();
    const fs::path file = chain.dir / kChainFile;
    if (!fs::exists(file))
        fail(file.string() + " not found (create the chain with `tern chain init --out DIR`)");
    const json doc = read_json(file);
    try
    {
        chain.chain_id = doc.at("chain_id").get<uint64_t>();
        for (const auto& n : doc.at("nodes"))
        {
            NodeEntry e;
            e.index = n.at("index").get<unsigned>();
            e.name = n.at("name").get<std::string>();
            e.home = (chain.dir / n.at("home").get<std::string>()).lexically_normal();
            e.rpc_host = n.at("rpc_host").get<std::string>();
            e.rpc_port = n.at("rpc_port").get<uint16_t>();
            e.comet_rpc_host = n.at("cometbft_rpc_host").get<std::string>();
            e.comet_rpc_port = n.at("cometbft_rpc_port").get<uint16_t>();
            e.validator = n.value("validator", true);
            chain.nodes.push_back(std::move(e));
        }
    }
    catch (const json::exception& e)
    {
        fail(file.string() + ": " + e.what());
    }
    chain.doc = doc;
    return chain;
}

/// The nodes a command acts on: all, or the one `--node i` names.
std::vector<const NodeEntry*> select_nodes(const ChainFile& chain, int node)
{
    std::vector<const NodeEntry*> out;
    for (const auto& n : chain.nodes)
        if (node < 0 || n.index == static_cast<unsigned>(node))
            out.push_back(&n);
    if (out.empty())
        fail("no node " + std::to_string(node) + " in " + (chain.dir / kChainFile).string());
    return out;
}

// ---- processes ----

/// True if `pid` exists and is not a zombie (a killed node whose parent has not reaped it
/// counts as gone).
bool process_alive(pid_t pid)
{
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string stat;
    if (!in || !std::getline(in, stat))
        return false;
    const auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

/// Parent pid of `pid` from /proc (0 if unknown).
pid_t parent_of(pid_t pid)
{
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string stat;
    if (!in || !std::getline(in, stat))
        return 0;
    const auto close = stat.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream rest{stat.substr(close + 2)};
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

/// Every descendant of `root` (children, grandchildren, ...), e.g. the cometbft child.
std::vector<pid_t> descendants(pid_t root)
{
    std::map<pid_t, std::vector<pid_t>> children;
    for (const auto& entry : fs::directory_iterator("/proc"))
    {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const pid_t pid = static_cast<pid_t>(to_u64(name));
        children[parent_of(pid)].push_back(pid);
    }
    std::vector<pid_t> out;
    std::vector<pid_t> todo{root};
    while (!todo.empty())
    {
        const pid_t p = todo.back();
        todo.pop_back();
        for (const pid_t c : children[p])
        {
            out.push_back(c);
            todo.push_back(c);
        }
    }
    return out;
}

/// The pid in HOME/tern.pid if that process is alive and is `tern node --home HOME` (a stale
/// file or a reused pid gives nullopt).
std::optional<pid_t> running_node_pid(const fs::path& home)
{
    std::ifstream in{home / kPidFile};
    long pid = 0;
    if (!in || !(in >> pid) || pid <= 0 || !process_alive(static_cast<pid_t>(pid)))
        return std::nullopt;
    const std::string proc = "/proc/" + std::to_string(pid);
    const std::string cmdline = [&] {
        std::ifstream c{proc + "/cmdline", std::ios::binary};
        std::ostringstream s;
        s << c.rdbuf();
        return s.str();
    }();
    std::vector<std::string> args;
    for (size_t at = 0; at < cmdline.size();)
    {
        const size_t end = cmdline.find('\0', at);
        args.push_back(cmdline.substr(at, end == std::string::npos ? end : end - at));
        at = end == std::string::npos ? cmdline.size() : end + 1;
    }
    std::error_code ec;
    const fs::path cwd = fs::read_symlink(proc + "/cwd", ec);
    for (size_t i = 0; i < args.size(); ++i)
    {
        std::string value;
        if (args[i] == "--home" && i + 1 < args.size())
            value = args[i + 1];
        else if (args[i].rfind("--home=", 0) == 0)
            value = args[i].substr(7);
        else
            continue;
        fs::path p{value};
        if (p.is_relative())
            p = cwd / p;
        if (fs::equivalent(p, home, ec))
            return static_cast<pid_t>(pid);
    }
    return std::nullopt;
}

/// Last `n` lines of a log file (for error messages).
std::string tail_lines(const fs::path& file, size_t n)
{
    std::ifstream in{file};
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
    {
        lines.push_back(line);
        if (lines.size() > n)
            lines.erase(lines.begin());
    }
    std::string out;
    for (const auto& l : lines)
        out += "    " + l + "\n";
    return out;
}

// ---- tern chain init / add-node ----

/// Sets `key = value` (value already a TOML literal) in CometBFT's generated config.toml,
/// keeping its comments and layout; every key must already be present in its section.
std::string set_toml_keys(const std::string& text,
                          const std::map<std::string, std::map<std::string, std::string>>& keys)
{
    std::set<std::string> done;
    std::istringstream in{text};
    std::string out;
    std::string section;
    for (std::string line; std::getline(in, line);)
    {
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] == '[')
        {
            const auto close = line.find(']', first);
            section = line.substr(first + 1, close - first - 1);
        }
        else if (first != std::string::npos && line[first] != '#')
        {
            const auto eq = line.find('=');
            if (eq != std::string::npos)
            {
                std::string key = line.substr(first, eq - first);
                key.erase(key.find_last_not_of(" \t") + 1);
                const auto sec = keys.find(section);
                if (sec != keys.end())
                    if (const auto kv = sec->second.find(key); kv != sec->second.end())
                    {
                        line = key + " = " + kv->second;
                        done.insert(section + "." + key);
                    }
            }
        }
        out += line + "\n";
    }
    for (const auto& [sec, kvs] : keys)
        for (const auto& [key, value] : kvs)
            if (!done.contains(sec + "." + key))
                fail("config.toml written by cometbft has no " +
                     (sec.empty() ? key : sec + "." + key) + " (unexpected CometBFT version?)");
    return out;
}

/// Parses TOML text with toml++ (a check that what we wrote is valid).
toml::table parse_toml(const std::string& text, const std::string& what)
{
    try
    {
        return toml::parse(text, what);
    }
    catch (const toml::parse_error& e)
    {
        fail(what + ": invalid TOML written: " + std::string(e.description()));
    }
}

std::string utc_rfc3339(std::time_t t)
{
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string ms(unsigned v)
{
    return toml_string(std::to_string(v) + "ms");
}

/// What every node's files get alike (kept in chain.json, so that `add-node` writes a node
/// configured like the validators).
struct NodeSettings
{
    unsigned block_time_ms = 500;
    bool create_empty_blocks = false;
    unsigned mempool_size = 50'000;
    std::string abci = "unix";
    std::string log_level = "info";
    /// JSON-RPC listen address; empty: the node's own host (127.0.0.1 on one machine).
    std::string rpc_listen;
    std::optional<uint64_t> snapshot_interval;     ///< node.toml key, written when set
    std::optional<uint64_t> snapshot_keep_recent;  ///< node.toml key, written when set
    /// node.toml unlock_dev_accounts (written when > 0): test-mnemonic accounts a node signs for.
    size_t unlock_dev_accounts = 0;
    /// node.toml rpc_api: the JSON-RPC namespaces served.
    std::vector<std::string> rpc_api{"eth", "net", "web3"};
};

struct InitOptions
{
    unsigned validators = 4;
    uint64_t chain_id = 7777;
    std::string out;
    unsigned rpc_port = 8545;
    unsigned base_port = 26656;
    std::vector<std::string> hosts;
    uint64_t gas_limit = 200'000'000;
    bool force = false;
    FundingRequest funding;  ///< --alloc, --fund, --dev-accounts
    NodeSettings settings;
};

/// Addresses, ports and keys of one node.
struct NodePlan
{
    unsigned index = 0;
    std::string name;
    /// The node's address: its P2P and CometBFT RPC listen there and other nodes reach it there
    /// (127.0.0.1 on one machine, its --hosts entry on separate machines).
    std::string host;
    unsigned rpc_port = 0;
    unsigned p2p_port = 0;
    unsigned comet_rpc_port = 0;
    unsigned abci_port = 0;
    bool validator = true;
    std::string node_id;
    std::string validator_address;
    json validator_pub_key;
};

/// What a node joining by state sync is told (CometBFT's [statesync] section).
struct StateSyncPlan
{
    std::vector<std::string> rpc_servers;  ///< CometBFT RPCs for the light client (>= 2 entries)
    uint64_t trust_height = 0;
    std::string trust_hash;  ///< block hash at trust_height (hex)
};

/// Node i's ports: spread on one machine (+1 JSON-RPC, +10 CometBFT per node), the base ports
/// on separate machines.
NodePlan plan_node(unsigned i,
                   const std::string& host,
                   bool separate,
                   unsigned rpc_port,
                   unsigned base_port)
{
    NodePlan n;
    const unsigned k = separate ? 0 : i;
    n.index = i;
    n.name = "node" + std::to_string(i);
    n.host = host;
    n.rpc_port = rpc_port + k;
    n.p2p_port = base_port + 10 * k;
    n.comet_rpc_port = base_port + 10 * k + 1;
    n.abci_port = base_port + 10 * k + 2;
    if (n.rpc_port > 65535 || n.abci_port > 65535 || rpc_port == 0 || base_port == 0)
        fail("ports out of range for " + n.name);
    return n;
}

/// `cometbft init` of DIR/<name>/cometbft by the pinned binary itself (keys and the default
/// config.toml); fills in the node id and the validator key.
void init_cometbft_home(const std::string& cometbft, const fs::path& dir, NodePlan& n)
{
    const fs::path home = dir / n.name;
    fs::create_directories(home / "logs");
    const auto [status, output] =
        run_command({cometbft, "init", "--home", (home / "cometbft").string()});
    if (status != 0)
        fail("cometbft init failed for " + n.name + ":\n" + output);
    const fs::path config = home / "cometbft" / "config";
    n.node_id = node_id_of(config / "node_key.json");
    const json pv = read_json(config / "priv_validator_key.json");
    n.validator_address = pv.at("address").get<std::string>();
    n.validator_pub_key = pv.at("pub_key");
}

/// Writes node n's CometBFT genesis and config.toml (peers: `peers`, state sync when `sync`
/// is given) and its node.toml (`evm_genesis`: a `genesis` key, for chains whose CometBFT
/// genesis has no app_state); returns its chain.json entry.
json write_node_files(const fs::path& dir,
                      uint64_t chain_id,
                      const NodePlan& n,
                      const std::vector<const NodePlan*>& peers,
                      const NodeSettings& s,
                      const std::string& genesis_text,
                      const StateSyncPlan* sync,
                      const std::string& evm_genesis = "")
{
    const fs::path home = dir / n.name;
    const fs::path config_dir = home / "cometbft" / "config";
    write_file(config_dir / "genesis.json", genesis_text);

    std::string peer_list;
    for (const NodePlan* p : peers)
        peer_list += (peer_list.empty() ? "" : ",") + p->node_id + "@" + p->host + ":" +
                     std::to_string(p->p2p_port);
    // ABCI stays on this machine: a unix socket in the node folder, or TCP on loopback (the
    // node's own 127.x address when several "machines" share one).
    const std::string abci_host = is_loopback_host(n.host) ? n.host : "127.0.0.1";
    const std::string abci_node = s.abci == "unix"
                                      ? "unix://abci.sock"
                                      : "tcp://" + abci_host + ":" + std::to_string(n.abci_port);
    const std::string abci_comet =
        s.abci == "unix" ? "unix://" + (home / "abci.sock").string() : abci_node;
    if (s.abci == "unix" && (home / "abci.sock").string().size() > 100)
        fail("unix socket path too long: " + (home / "abci.sock").string() +
             " (use a shorter --out or --abci tcp)");
    const std::string comet_rpc = n.host + ":" + std::to_string(n.comet_rpc_port);
    const std::string p2p = n.host + ":" + std::to_string(n.p2p_port);
    std::map<std::string, std::map<std::string, std::string>> keys{
        {"",
         {{"proxy_app", toml_string(abci_comet)},
          {"moniker", toml_string(n.name)},
          {"log_level", toml_string(s.log_level)}}},
        {"rpc", {{"laddr", toml_string("tcp://" + comet_rpc)}}},
        {"p2p",
         {{"laddr", toml_string("tcp://" + p2p)},
          {"external_address", toml_string(is_loopback_host(n.host) ? "" : p2p)},
          {"persistent_peers", toml_string(peer_list)},
          {"addr_book_strict", "false"},
          {"allow_duplicate_ip", "true"},
          {"flush_throttle_timeout", ms(10)},
          {"send_rate", "20480000"},
          {"recv_rate", "20480000"},
          {"persistent_peers_max_dial_period", toml_string("5s")}}},
        {"mempool",
         {{"size", std::to_string(s.mempool_size)},
          {"cache_size", std::to_string(2 * s.mempool_size)},
          {"recheck", "true"},
          {"broadcast", "true"}}},
        {"consensus",
         {{"timeout_propose", ms(1000)},
          {"timeout_propose_delta", ms(200)},
          {"timeout_prevote", ms(500)},
          {"timeout_prevote_delta", ms(200)},
          {"timeout_precommit", ms(500)},
          {"timeout_precommit_delta", ms(200)},
          {"timeout_commit", ms(s.block_time_ms)},
          {"create_empty_blocks", s.create_empty_blocks ? "true" : "false"},
          {"create_empty_blocks_interval", toml_string("0s")},
          {"peer_gossip_sleep_duration", ms(20)}}},
        // Tern indexes transactions itself (receipts, logs); CometBFT's index would be a
        // second copy.
        {"tx_index", {{"indexer", toml_string("null")}}},
    };
    if (sync)
    {
        std::string servers;
        for (const auto& r : sync->rpc_servers)
            servers += (servers.empty() ? "" : ",") + r;
        keys["statesync"] = {
            {"enable", "true"},
            {"rpc_servers", toml_string(servers)},
            {"trust_height", std::to_string(sync->trust_height)},
            {"trust_hash", toml_string(sync->trust_hash)},
            // Tern's validators are not bonded: a week, CometBFT's default.
            {"trust_period", toml_string("168h0m0s")},
            {"discovery_time", toml_string("5s")},  // CometBFT's minimum (default 15 s)
        };
    }
    const fs::path config_file = config_dir / "config.toml";
    const std::string config_text = set_toml_keys(read_file(config_file), keys);
    const toml::table parsed = parse_toml(config_text, config_file.string());
    if (parsed["p2p"]["persistent_peers"].value_or(std::string{}) != peer_list)
        fail(config_file.string() + ": persistent_peers did not round-trip");
    write_file(config_file, config_text);

    const std::string rpc_listen = s.rpc_listen.empty() ? n.host : s.rpc_listen;
    std::ostringstream node_toml;
    node_toml << "# Tern " << (n.validator ? "validator " : "full node ") << n.name << " of chain "
              << chain_id << " (written by `tern chain " << (n.validator ? "init" : "add-node")
              << "`); read by `tern node --home " << home.string() << "`.\n"
              << "# Relative paths are resolved against this file's folder.\n"
              << (evm_genesis.empty()
                      ? "# The EVM genesis is the app_state of cometbft/config/genesis.json (a\n"
                        "# `genesis = FILE` here must describe the same chain).\n"
                      : "genesis = " + toml_string(evm_genesis) + "\n")
              << "data_dir = " << toml_string("data") << "\n"
              << "rpc_host = " << toml_string(rpc_listen) << "\n"
              << "rpc_port = " << n.rpc_port << "\n"
              << "abci_address = " << toml_string(abci_node) << "\n"
              << "cometbft_home = " << toml_string("cometbft") << "\n"
              << "cometbft_rpc = " << toml_string("http://" + comet_rpc) << "\n"
              << "spawn_cometbft = true\n";
    node_toml
        << "# JSON-RPC namespaces served (geth's --http.api); add \"debug\" for debug_trace*.\n"
        << "rpc_api = [";
    for (size_t i = 0; i < s.rpc_api.size(); ++i)
        node_toml << (i ? ", " : "") << toml_string(s.rpc_api[i]);
    node_toml << "]\n";
    if (s.unlock_dev_accounts > 0)
        node_toml
            << "# Signs for the first N accounts of the PUBLIC test mnemonic (any client can use "
               "them).\n"
            << "unlock_dev_accounts = " << s.unlock_dev_accounts << "\n";
    if (s.snapshot_interval)
        node_toml << "snapshot_interval = " << *s.snapshot_interval << "\n";
    if (s.snapshot_keep_recent)
        node_toml << "snapshot_keep_recent = " << *s.snapshot_keep_recent << "\n";
    parse_toml(node_toml.str(), (home / "node.toml").string());
    write_file(home / "node.toml", node_toml.str());

    const std::string rpc_connect = rpc_listen == "0.0.0.0" ? n.host : rpc_listen;
    return {
        {"index", n.index},
        {"name", n.name},
        {"home", n.name},
        {"validator", n.validator},
        {"state_sync", sync != nullptr},
        {"host", n.host},
        {"rpc_host", rpc_connect},
        {"rpc_port", n.rpc_port},
        {"rpc_url", "http://" + rpc_connect + ":" + std::to_string(n.rpc_port)},
        {"ws_url", "ws://" + rpc_connect + ":" + std::to_string(n.rpc_port)},
        {"cometbft_rpc_host", n.host},
        {"cometbft_rpc_port", n.comet_rpc_port},
        {"p2p_port", n.p2p_port},
        {"abci_address", abci_node},
        {"node_id", n.node_id},
        {"validator_address", n.validator_address},
    };
}

/// The cometbft binary (and libsodium ready for the node ids).
std::string find_cometbft_or_fail()
{
    const auto cometbft = find_cometbft();
    if (!cometbft)
        fail(
            "cometbft not found (set TERN_COMETBFT or run scripts/setup, which installs it "
            "with `go install`)");
    if (sodium_init() < 0)
        fail("libsodium failed to initialize");
    return *cometbft;
}

/// "a, b, c".
std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

/// What the genesis funds, for init's output (the beacon-roots contract is not a funded
/// account); the dev-accounts warning on stderr.
void print_funding(const std::map<Address, chain::GenesisAccount>& funded, bool dev_accounts)
{
    if (dev_accounts)
        std::fprintf(stderr, "%s\n",
                     wrap_text("WARNING: --dev-accounts funds the " +
                               std::to_string(chain::kDevAccountCount) +
                               " accounts of the public test mnemonic (\"" +
                               std::string(chain::kDevMnemonic) +
                               "\") with 10000 ether each. Their private keys are published "
                               "(Foundry, Hardhat, `tern dev` print them): anyone can spend these "
                               "funds. For local test chains only.")
                         .c_str());
    if (funded.empty())
    {
        std::printf("%s\n",
                    wrap_text("No account is funded (fund some with --fund ADDRESS=AMOUNT or "
                              "--alloc FILE). Gas is free on this chain (base fee and minimum gas "
                              "price 0): an unfunded account can still send transactions with gas "
                              "price 0, but not transfer value.")
                        .c_str());
        return;
    }
    std::printf("Funded accounts: %zu\n", funded.size());
    size_t shown = 0;
    for (const auto& [address, account] : funded)
    {
        if (++shown > 20)
        {
            std::printf("  ... and %zu more\n", funded.size() - 20);
            break;
        }
        std::printf("  %s %s\n", chain::to_checksum_address(address).c_str(),
                    format_ether(account.balance).c_str());
    }
}

void chain_init(const InitOptions& o)
{
    const NodeSettings& s = o.settings;
    if (o.validators < 1 || o.validators > 64)
        fail("--validators must be 1..64");
    if (o.chain_id == 0)
        fail("--chain-id must be positive");
    if (s.block_time_ms > 60'000)
        fail("--block-time is in milliseconds, at most 60000");
    if (s.abci != "unix" && s.abci != "tcp")
        fail("--abci must be unix or tcp");
    const bool separate = !o.hosts.empty();
    if (separate && o.hosts.size() != o.validators)
        fail("--hosts needs one host per validator (" + std::to_string(o.validators) + ")");
    for (const auto& h : o.hosts)
        if (h.empty() || h == "0.0.0.0")
            fail("--hosts: each entry is the address other nodes reach that validator at");
    const auto funded = funded_accounts(o.funding);
    if (!funded)
        fail(funded.error());
    if (const auto it = funded->find(chain::kBeaconRootsAddress);
        it != funded->end() &&
        it->second != chain::dev_genesis(o.chain_id).alloc.at(chain::kBeaconRootsAddress))
        fail("--alloc: " + to_hex(chain::kBeaconRootsAddress) +
             " is the EIP-4788 beacon roots contract, which every chain has (init adds it)");
    if (o.settings.unlock_dev_accounts > 1000)
        fail("--unlock-dev-accounts must be 0..1000");
    std::vector<NodePlan> plan;
    for (unsigned i = 0; i < o.validators; ++i)
        plan.push_back(
            plan_node(i, separate ? o.hosts[i] : "127.0.0.1", separate, o.rpc_port, o.base_port));

    const fs::path dir = fs::absolute(o.out).lexically_normal();
    if (fs::exists(dir) && !fs::is_directory(dir))
        fail(dir.string() + " exists and is not a directory");
    if (fs::exists(dir) && !fs::is_empty(dir))
    {
        if (!o.force)
            fail(dir.string() + " is not empty (use --force to replace a chain there)");
        // Only our own files go: chain.json, genesis.json and node<i> folders with a node.toml,
        // and never while a node of the old chain runs.
        for (const auto& entry : fs::directory_iterator(dir))
        {
            const std::string name = entry.path().filename().string();
            if (entry.is_directory() && fs::exists(entry.path() / "node.toml"))
            {
                if (const auto pid = running_node_pid(entry.path()))
                    fail(name + " is running (pid " + std::to_string(*pid) +
                         "); stop it with `tern chain down` first");
                fs::remove_all(entry.path());
            }
            else if (name == kChainFile || name == "genesis.json")
                fs::remove(entry.path());
        }
    }
    fs::create_directories(dir);
    const auto cometbft = find_cometbft_or_fail();

    // 1. Keys and default configuration of every node, by the pinned cometbft itself.
    for (auto& n : plan)
        init_cometbft_home(cometbft, dir, n);

    // 2. The EVM genesis: `tern dev`'s rules, this chain id, the block gas limit, the accounts
    //    --alloc/--fund/--dev-accounts fund (none by default), the beacon-roots contract.
    const std::time_t now = std::time(nullptr);
    chain::GenesisSpec evm = chain::dev_genesis(o.chain_id, static_cast<uint64_t>(now));
    const chain::GenesisAccount beacon = evm.alloc.at(chain::kBeaconRootsAddress);
    evm.alloc.clear();
    evm.alloc = *funded;
    evm.alloc[chain::kBeaconRootsAddress] = beacon;
    evm.gas_limit = o.gas_limit;
    evm.config.gas_limit = o.gas_limit;

    // 3. One CometBFT genesis for all: every node a validator with power 10, the EVM genesis
    //    in app_state (InitChain checks it against the node's).
    json genesis = read_json(dir / plan[0].name / "cometbft" / "config" / "genesis.json");
    genesis["genesis_time"] = utc_rfc3339(now);
    genesis["chain_id"] = "tern-" + std::to_string(o.chain_id);
    genesis["initial_height"] = "1";
    genesis["consensus_params"]["block"]["max_bytes"] = "4194304";
    genesis["consensus_params"]["block"]["max_gas"] = "-1";
    genesis["app_hash"] = "";
    genesis["app_state"] = chain::genesis_to_json(evm);
    genesis["validators"] = json::array();
    for (const auto& n : plan)
        genesis["validators"].push_back({{"address", n.validator_address},
                                         {"pub_key", n.validator_pub_key},
                                         {"power", "10"},
                                         {"name", n.name}});
    const std::string genesis_text = genesis.dump(2) + "\n";

    // 4. Per node: CometBFT's genesis and config.toml (peers: every other validator), node.toml.
    json chain_nodes = json::array();
    for (const auto& n : plan)
    {
        std::vector<const NodePlan*> peers;
        for (const auto& p : plan)
            if (&p != &n)
                peers.push_back(&p);
        chain_nodes.push_back(
            write_node_files(dir, o.chain_id, n, peers, s, genesis_text, nullptr));
    }

    json summary = {
        {"chain_id", o.chain_id},
        {"cometbft_chain_id", "tern-" + std::to_string(o.chain_id)},
        {"genesis_time", utc_rfc3339(now)},
        {"gas_limit", o.gas_limit},
        {"separate_hosts", separate},
        {"rpc_port", o.rpc_port},
        {"base_port", o.base_port},
        {"block_time_ms", s.block_time_ms},
        {"create_empty_blocks", s.create_empty_blocks},
        {"mempool_size", s.mempool_size},
        {"abci", s.abci},
        {"log_level", s.log_level},
        {"rpc_listen", s.rpc_listen},
        {"snapshot_interval", s.snapshot_interval ? json(*s.snapshot_interval) : json()},
        {"snapshot_keep_recent", s.snapshot_keep_recent ? json(*s.snapshot_keep_recent) : json()},
        {"unlock_dev_accounts", s.unlock_dev_accounts},
        {"rpc_api", s.rpc_api},
        {"funded_accounts", funded->size()},
        {"nodes", chain_nodes},
    };
    write_file(dir / kChainFile, summary.dump(2) + "\n");

    std::printf("Chain %llu (CometBFT chain id tern-%llu): %u validators in %s\n",
                static_cast<unsigned long long>(o.chain_id),
                static_cast<unsigned long long>(o.chain_id), o.validators, dir.c_str());
    for (const auto& n : chain_nodes)
        std::printf("  %-7s RPC %-24s P2P %s:%u  node id %s\n",
                    n["name"].get<std::string>().c_str(), n["rpc_url"].get<std::string>().c_str(),
                    n["host"].get<std::string>().c_str(), n["p2p_port"].get<unsigned>(),
                    n["node_id"].get<std::string>().c_str());
    print_funding(*funded, o.funding.dev_accounts);
    if (s.unlock_dev_accounts > 0)
    {
        const std::string n = std::to_string(s.unlock_dev_accounts);
        std::fprintf(stderr, "%s\n",
                     wrap_text("WARNING: --unlock-dev-accounts " + n +
                               ": every node signs transactions and messages for the first " + n +
                               " test-mnemonic accounts, for any client of its JSON-RPC.")
                         .c_str());
    }
    const std::string rpc_listen0 = s.rpc_listen.empty() ? plan[0].host : s.rpc_listen;
    if (!is_loopback_host(rpc_listen0))
        std::fprintf(
            stderr, "%s\n",
            wrap_text("WARNING: the nodes' JSON-RPC (" + join(s.rpc_api) + ") listens on " +
                      rpc_listen0 + (s.rpc_listen.empty() ? " (their --hosts addresses)" : "") +
                      ", reachable from other machines (see docs/security.md).")
                .c_str());
    std::printf("Start it with: tern chain up %s\n", dir.c_str());
}

/// The settings init stored in chain.json (chains made before they were stored: init's
/// defaults, and the ABCI mode of node 0).
NodeSettings stored_settings(const ChainFile& chain)
{
    const json& d = chain.doc;
    NodeSettings s;
    s.block_time_ms = d.value("block_time_ms", s.block_time_ms);
    s.create_empty_blocks = d.value("create_empty_blocks", s.create_empty_blocks);
    s.mempool_size = d.value("mempool_size", s.mempool_size);
    s.log_level = d.value("log_level", s.log_level);
    s.rpc_listen = d.value("rpc_listen", s.rpc_listen);
    const std::string abci0 = d.at("nodes").at(0).value("abci_address", "unix://");
    s.abci = d.value("abci", abci0.rfind("unix://", 0) == 0 ? "unix" : "tcp");
    if (d.contains("snapshot_interval") && d["snapshot_interval"].is_number_unsigned())
        s.snapshot_interval = d["snapshot_interval"].get<uint64_t>();
    if (d.contains("snapshot_keep_recent") && d["snapshot_keep_recent"].is_number_unsigned())
        s.snapshot_keep_recent = d["snapshot_keep_recent"].get<uint64_t>();
    s.unlock_dev_accounts = d.value("unlock_dev_accounts", s.unlock_dev_accounts);
    if (d.contains("rpc_api") && d["rpc_api"].is_array() && !d["rpc_api"].empty())
        s.rpc_api = d["rpc_api"].get<std::vector<std::string>>();
    return s;
}

/// Trust for state sync from the chain's running validators: the latest committed block
/// (`/commit`) of the first that answers, and the CometBFT RPCs of (up to) two that answer.
StateSyncPlan trust_from_validators(const ChainFile& chain)
{
    StateSyncPlan plan;
    for (const auto& v : chain.nodes)
    {
        if (!v.validator)
            continue;
        const auto commit = comet_get(v.comet_rpc_host, v.comet_rpc_port, "/commit");
        if (!commit || !commit->is_object())
            continue;
        try
        {
            const json& sh = commit->at("signed_header");
            const uint64_t height = to_u64(sh.at("header").at("height").get<std::string>());
            const std::string hash = sh.at("commit").at("block_id").at("hash").get<std::string>();
            if (height == 0 || hash.empty())
                continue;
            if (plan.trust_height == 0)
            {
                plan.trust_height = height;
                plan.trust_hash = hash;
            }
        }
        catch (const json::exception&)
        {
            continue;
        }
        plan.rpc_servers.push_back("http://" + v.comet_rpc_host + ":" +
                                   std::to_string(v.comet_rpc_port));
        if (plan.rpc_servers.size() == 2)
            break;
    }
    if (plan.trust_height == 0)
        fail(
            "--state-sync needs a running validator with at least one block (its CometBFT RPC "
            "/commit gives the trusted height and hash): start the chain with `tern chain up`");
    if (plan.rpc_servers.size() == 1)  // CometBFT wants two entries; one validator is all we have
        plan.rpc_servers.push_back(plan.rpc_servers[0]);
    return plan;
}

void chain_add_node(const std::string& dir_arg, const std::string& host_arg, bool state_sync)
{
    const ChainFile chain = load_chain(dir_arg);
    const NodeSettings s = stored_settings(chain);
    const bool separate = chain.doc.value("separate_hosts", false);
    if (separate && host_arg.empty())
        fail("the chain's validators are on separate machines: give the new node's --host");
    if (!separate && !host_arg.empty() && host_arg != "127.0.0.1")
        fail("--host is for chains made with --hosts (this one runs on one machine)");
    const json& nodes = chain.doc.at("nodes");
    const json& first = nodes.at(0);
    const unsigned index = static_cast<unsigned>(nodes.size());
    NodePlan n = plan_node(index, separate ? host_arg : "127.0.0.1", separate,
                           chain.doc.value("rpc_port", first.at("rpc_port").get<unsigned>()),
                           chain.doc.value("base_port", first.at("p2p_port").get<unsigned>()));
    n.validator = false;
    if (fs::exists(chain.dir / n.name))
        fail((chain.dir / n.name).string() + " exists already");

    // Peers: the validators, from their chain.json entries.
    std::vector<NodePlan> validators;
    for (const auto& e : nodes)
        if (e.value("validator", true))
        {
            NodePlan p;
            p.node_id = e.at("node_id").get<std::string>();
            p.host = e.at("host").get<std::string>();
            p.p2p_port = e.at("p2p_port").get<unsigned>();
            validators.push_back(std::move(p));
        }
    std::vector<const NodePlan*> peers;
    for (const auto& p : validators)
        peers.push_back(&p);

    std::optional<StateSyncPlan> sync;
    std::optional<int64_t> interval;  // the validators' snapshot_interval, when node 0 sets it
    if (state_sync)
    {
        sync = trust_from_validators(chain);
        const fs::path node0_toml = chain.dir / first.at("home").get<std::string>() / "node.toml";
        interval = parse_toml(read_file(node0_toml), node0_toml.string())["snapshot_interval"]
                       .value<int64_t>();
        if (interval && *interval <= 0)
            fail("the validators take no snapshots (snapshot_interval = 0 in " +
                 node0_toml.string() + "): a node cannot state-sync from them");
    }
    const auto cometbft = find_cometbft_or_fail();
    // The same CometBFT genesis as the validators (node 0's copy).
    const std::string genesis_text = read_file(chain.dir / first.at("home").get<std::string>() /
                                               "cometbft" / "config" / "genesis.json");
    // Chains made before app_state carried the EVM genesis name DIR/genesis.json instead.
    const json parsed_genesis = json::parse(genesis_text, nullptr, false);
    const bool has_app_state = parsed_genesis.is_object() && parsed_genesis.contains("app_state") &&
                               parsed_genesis["app_state"].is_object() &&
                               !parsed_genesis["app_state"].empty();
    const std::string evm_genesis =
        !has_app_state && fs::exists(chain.dir / "genesis.json") ? "../genesis.json" : "";
    try
    {
        init_cometbft_home(cometbft, chain.dir, n);
        json entry = write_node_files(chain.dir, chain.chain_id, n, peers, s, genesis_text,
                                      sync ? &*sync : nullptr, evm_genesis);
        json doc = chain.doc;
        doc["nodes"].push_back(entry);
        write_file(chain.dir / kChainFile, doc.dump(2) + "\n");
    }
    catch (...)
    {
        std::error_code ec;
        fs::remove_all(chain.dir / n.name, ec);  // no half-written node folder
        throw;
    }
    std::printf("%s added to %s: full node (not a validator), RPC http://%s:%u, P2P %s:%u\n",
                n.name.c_str(), chain.dir.c_str(),
                (s.rpc_listen.empty() || s.rpc_listen == "0.0.0.0" ? n.host : s.rpc_listen).c_str(),
                n.rpc_port, n.host.c_str(), n.p2p_port);
    if (sync)
    {
        std::printf("  state sync: trust height %llu, hash %s, light-client RPCs %s, %s\n",
                    static_cast<unsigned long long>(sync->trust_height), sync->trust_hash.c_str(),
                    sync->rpc_servers[0].c_str(), sync->rpc_servers[1].c_str());
        if (interval && sync->trust_height < static_cast<uint64_t>(*interval))
            std::printf(
                "  note: the validators snapshot every %lld blocks and the chain is at %llu: "
                "the node waits (discovering snapshots) until the first one exists\n",
                static_cast<long long>(*interval),
                static_cast<unsigned long long>(sync->trust_height));
    }
    else
        std::printf("  it replays every block from its peers (block sync)\n");
    std::printf("Start it with: tern chain up %s --node %u\n", chain.dir.c_str(), index);
}

// ---- tern chain up ----

/// True once the node's RPC answers eth_chainId with the chain's id.
bool rpc_ready(const NodeEntry& n, uint64_t chain_id, std::string* wrong)
{
    const auto r = rpc_call(n.rpc_host, n.rpc_port, "eth_chainId", json::array(),
                            std::chrono::milliseconds(1000));
    if (!r || !r->is_string())
        return false;
    const uint64_t got = to_u64(r->get<std::string>(), 16);
    if (got != chain_id)
        *wrong = "port " + std::to_string(n.rpc_port) + " answers chain id " + std::to_string(got) +
                 ", not " + std::to_string(chain_id) + " (another chain uses the port?)";
    return got == chain_id;
}

/// CometBFT's latest block height on node n (nullopt while its RPC does not answer).
std::optional<uint64_t> comet_height(const NodeEntry& n)
{
    const auto st = comet_get(n.comet_rpc_host, n.comet_rpc_port, "/status");
    try
    {
        if (!st || !st->is_object() || !st->contains("sync_info"))
            return std::nullopt;
        return to_u64(st->at("sync_info").value("latest_block_height", "0"));
    }
    catch (const json::exception&)
    {
        return std::nullopt;  // an answer of another shape: not ready
    }
}

void chain_up(const std::string& dir_arg, int node, unsigned timeout_s)
{
    const ChainFile chain = load_chain(dir_arg);
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        fail("cannot find the tern binary (/proc/self/exe)");

    struct Started
    {
        const NodeEntry* node;
        pid_t pid;
    };
    std::vector<Started> started;
    for (const NodeEntry* n : select_nodes(chain, node))
    {
        if (const auto pid = running_node_pid(n->home))
        {
            std::printf("%s already running (pid %d)\n", n->name.c_str(), static_cast<int>(*pid));
            continue;
        }
        fs::create_directories(n->home / "logs");
        const std::string log = (n->home / "logs" / "tern.log").string();
        const std::string pid_file = (n->home / kPidFile).string();
        const std::string home = n->home.string();
        std::fflush(stdout);
        const pid_t pid = ::fork();
        if (pid < 0)
            fail(std::string("fork: ") + std::strerror(errno));
        if (pid == 0)
        {
            // The node outlives this command: own session, output to its log, no terminal.
            ::setsid();
            const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            const int in = ::open("/dev/null", O_RDONLY);
            if (out < 0 || in < 0)
                ::_exit(126);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(out, 2);
            ::close(in);
            ::close(out);
            if (FILE* f = std::fopen(pid_file.c_str(), "w"))
            {
                std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
                std::fclose(f);
            }
            ::execl(self.c_str(), "tern", "node", "--home", home.c_str(),
                    static_cast<char*>(nullptr));
            std::fprintf(stderr, "exec %s: %s\n", self.c_str(), std::strerror(errno));
            ::_exit(127);
        }
        started.push_back({n, pid});
    }

    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    std::string problems;
    for (const auto& s : started)
    {
        std::string wrong;
        bool ready = false;
        bool exited = false;
        while (Clock::now() < deadline)
        {
            int status = 0;
            if (::waitpid(s.pid, &status, WNOHANG) == s.pid)
            {
                exited = true;
                break;
            }
            // Ready = Tern's RPC answers and its CometBFT's RPC, where transactions go, too.
            if (rpc_ready(*s.node, chain.chain_id, &wrong) && comet_height(*s.node))
            {
                ready = true;
                break;
            }
            if (!wrong.empty())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (ready)
            continue;
        const fs::path log = s.node->home / "logs" / "tern.log";
        problems +=
            s.node->name + ": " +
            (exited           ? std::string("exited")
             : !wrong.empty() ? wrong
                              : "RPC not answering after " + std::to_string(timeout_s) + " s") +
            "; end of " + log.string() + ":\n" + tail_lines(log, 15);
        // When cometbft itself stopped (a port taken, a bad config), its own log says why.
        const fs::path comet_log = s.node->home / "logs" / "cometbft.log";
        if (exited && fs::exists(comet_log))
            problems += "end of " + comet_log.string() + ":\n" + tail_lines(comet_log, 10);
    }
    // Every validator started: wait for the first block (a quorum is up and agrees), so that
    // clients can use it right away. A single node (--node) or a full node may be joining (block
    // or state sync); it is not waited for.
    size_t validators = 0;
    size_t validators_started = 0;
    for (const auto& n : chain.nodes)
        validators += n.validator ? 1 : 0;
    for (const auto& st : started)
        validators_started += st.node->validator ? 1 : 0;
    if (problems.empty() && validators_started > 0 && validators_started == validators)
    {
        bool produced = false;
        while (!produced && Clock::now() < deadline)
        {
            produced = true;
            for (const auto& n : chain.nodes)
                produced = produced && (!n.validator || comet_height(n).value_or(0) >= 1);
            if (!produced)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!produced)
            problems += "no block finalized within " + std::to_string(timeout_s) +
                        " s (see the nodes' logs/cometbft.log)\n";
    }
    for (const auto& n : select_nodes(chain, node))
        std::printf(
            "%-7s %s  (pid %s, logs %s)\n", n->name.c_str(),
            ("http://" + n->rpc_host + ":" + std::to_string(n->rpc_port)).c_str(),
            [&] {
                const auto pid = running_node_pid(n->home);
                return pid ? std::to_string(*pid) : std::string("-");
            }()
                .c_str(),
            (n->home / "logs").c_str());
    if (!problems.empty())
        fail("not every node came up:\n" + problems);
}

// ---- tern chain down ----

void chain_down(const std::string& dir_arg, int node, bool kill_hard, unsigned timeout_s)
{
    const ChainFile chain = load_chain(dir_arg);
    struct Victim
    {
        const NodeEntry* node;
        pid_t pid;
        std::vector<pid_t> children;
    };
    std::vector<Victim> victims;
    for (const NodeEntry* n : select_nodes(chain, node))
    {
        const auto pid = running_node_pid(n->home);
        if (!pid)
        {
            std::printf("%s not running\n", n->name.c_str());
            std::error_code ec;
            fs::remove(n->home / kPidFile, ec);
            continue;
        }
        victims.push_back({n, *pid, descendants(*pid)});
    }
    // kill -9 takes the node and its cometbft down at once (a crash of the whole validator);
    // SIGTERM lets tern stop its cometbft child first.
    for (const auto& v : victims)
    {
        ::kill(v.pid, kill_hard ? SIGKILL : SIGTERM);
        if (kill_hard)
            for (const pid_t c : v.children)
                ::kill(c, SIGKILL);
    }
    auto all_gone = [&] {
        for (const auto& v : victims)
        {
            if (process_alive(v.pid))
                return false;
            for (const pid_t c : v.children)
                if (process_alive(c))
                    return false;
        }
        return true;
    };
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (!all_gone() && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!all_gone())
    {
        std::fprintf(stderr, "some processes ignored SIGTERM for %u s: sending SIGKILL\n",
                     timeout_s);
        for (const auto& v : victims)
        {
            ::kill(v.pid, SIGKILL);
            for (const pid_t c : v.children)
                ::kill(c, SIGKILL);
        }
        const auto hard_deadline = Clock::now() + std::chrono::seconds(10);
        while (!all_gone() && Clock::now() < hard_deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (const auto& v : victims)
    {
        // Leftover children (none normally: cometbft exits with its parent) are killed, too.
        for (const pid_t c : v.children)
            if (process_alive(c) && parent_of(c) == 1)
                ::kill(c, SIGKILL);
        std::error_code ec;
        fs::remove(v.node->home / kPidFile, ec);
        std::printf("%s stopped (pid %d%s)\n", v.node->name.c_str(), static_cast<int>(v.pid),
                    kill_hard ? ", SIGKILL" : "");
    }
    if (!all_gone())
        fail("some node processes are still alive");
}

// ---- tern chain status ----

json node_status(const NodeEntry& n)
{
    json s = {{"index", n.index}, {"name", n.name}, {"validator", n.validator}};
    const auto pid = running_node_pid(n.home);
    s["running"] = pid.has_value();
    s["pid"] = pid ? json(*pid) : json(nullptr);
    s["rpc_url"] = "http://" + n.rpc_host + ":" + std::to_string(n.rpc_port);
    s["height"] = nullptr;
    s["app_hash"] = nullptr;
    s["catching_up"] = nullptr;
    s["peers"] = nullptr;
    s["block_number"] = nullptr;
    s["block_hash"] = nullptr;
    s["state_root"] = nullptr;
    // Answers of an unexpected shape leave the fields null.
    try
    {
        if (const auto st = comet_get(n.comet_rpc_host, n.comet_rpc_port, "/status"))
        {
            const json sync = st->is_object() ? st->value("sync_info", json()) : json();
            if (sync.is_object())
            {
                s["height"] = to_u64(sync.value("latest_block_height", "0"));
                s["app_hash"] = sync.value("latest_app_hash", "");
                s["catching_up"] = sync.value("catching_up", false);
            }
        }
        if (const auto net = comet_get(n.comet_rpc_host, n.comet_rpc_port, "/net_info"))
            s["peers"] = to_u64(net->value("n_peers", "0"));
        if (const auto b =
                rpc_call(n.rpc_host, n.rpc_port, "eth_getBlockByNumber", {"latest", false});
            b && b->is_object())
        {
            s["block_number"] = to_u64(b->value("number", "0x0"), 16);
            s["block_hash"] = b->value("hash", "");
            s["state_root"] = b->value("stateRoot", "");
        }
    }
    catch (const json::exception&)
    {}
    return s;
}

void chain_status(const std::string& dir_arg, int node, bool as_json)
{
    const ChainFile chain = load_chain(dir_arg);
    json out = json::array();
    for (const NodeEntry* n : select_nodes(chain, node))
        out.push_back(node_status(*n));
    if (as_json)
    {
        std::printf("%s\n", out.dump(2).c_str());
        return;
    }
    auto str = [](const json& v) {
        if (v.is_null())
            return std::string("-");
        if (v.is_string())
            return v.get<std::string>();
        if (v.is_boolean())
            return std::string(v.get<bool>() ? "yes" : "no");
        return v.dump();
    };
    std::printf("%-7s %-9s %-10s %-8s %-6s %-8s %-68s %s\n", "node", "role", "running", "height",
                "peers", "block", "block hash", "app hash");
    for (const auto& s : out)
        std::printf("%-7s %-9s %-10s %-8s %-6s %-8s %-68s %s\n", str(s["name"]).c_str(),
                    s["validator"].get<bool>() ? "validator" : "full",
                    s["running"].get<bool>() ? ("pid " + str(s["pid"])).c_str() : "no",
                    str(s["height"]).c_str(), str(s["peers"]).c_str(),
                    str(s["block_number"]).c_str(), str(s["block_hash"]).c_str(),
                    str(s["app_hash"]).c_str());
}

/// A subcommand body whose unexpected exceptions (filesystem, JSON) become `error: ...` and
/// exit status 1 instead of std::terminate.
template <typename F>
std::function<void()> guarded(F body)
{
    return [body] {
        try
        {
            body();
        }
        catch (const CLI::Error&)
        {
            throw;
        }
        catch (const std::exception& e)
        {
            fail(e.what());
        }
    };
}

}  // namespace

void register_chain_commands(CLI::App& app)
{
    auto* chain = app.add_subcommand(
        "chain", "Multi-validator chains on CometBFT: init, add-node, up, down, status");
    chain->require_subcommand(1);

    auto init_opts = std::make_shared<InitOptions>();
    NodeSettings& settings = init_opts->settings;
    auto* init = chain->add_subcommand(
        "init", "Write genesis, keys and configs of an N-validator chain into a directory");
    init->add_option("--validators,-n", init_opts->validators, "Number of validators")
        ->capture_default_str();
    init->add_option("--chain-id", init_opts->chain_id,
                     "EVM chain id (CometBFT's chain id is tern-<ID>)")
        ->capture_default_str();
    init->add_option("--out,-o", init_opts->out, "Directory to create")->required();
    init->add_option("--rpc-port", init_opts->rpc_port, "JSON-RPC port of node 0 (node i: +i)")
        ->capture_default_str();
    init->add_option("--base-port", init_opts->base_port,
                     "CometBFT P2P port of node 0; node i uses base+10i (P2P), base+10i+1 "
                     "(CometBFT RPC), base+10i+2 (ABCI with --abci tcp)")
        ->capture_default_str();
    init->add_option("--rpc-host", settings.rpc_listen,
                     "JSON-RPC listen address (default: the node's host, 127.0.0.1 on one "
                     "machine; 0.0.0.0 to serve on every interface)");
    init->add_option("--hosts", init_opts->hosts,
                     "Validators on separate machines: one host/IP per validator, comma "
                     "separated; node i listens on host i and every node uses the base ports")
        ->delimiter(',');
    init->add_flag("--create-empty-blocks", settings.create_empty_blocks,
                   "Make blocks when idle, too (default: only when transactions arrive)");
    init->add_option("--block-time", settings.block_time_ms,
                     "CometBFT timeout_commit in ms: the pause after each block")
        ->capture_default_str();
    init->add_option("--gas-limit", init_opts->gas_limit, "Block gas limit")->capture_default_str();
    init->add_option("--mempool-size", settings.mempool_size,
                     "CometBFT mempool size in transactions (cache: twice that)")
        ->capture_default_str();
    init->add_option("--abci", settings.abci,
                     "ABCI connection between cometbft and tern: unix (socket in the node "
                     "folder) or tcp")
        ->capture_default_str();
    init->add_option("--log-level", settings.log_level, "CometBFT log_level")
        ->capture_default_str();
    auto snapshot_interval = std::make_shared<uint64_t>(0);
    auto snapshot_keep = std::make_shared<uint64_t>(0);
    auto* interval_opt = init->add_option(
        "--snapshot-interval", *snapshot_interval,
        "node.toml snapshot_interval: a state snapshot every N blocks, served to nodes that "
        "join by state sync (default: the node's, see docs/consensus.md)");
    auto* keep_opt = init->add_option("--snapshot-keep-recent", *snapshot_keep,
                                      "node.toml snapshot_keep_recent: snapshots kept");
    init->add_option("--alloc", init_opts->funding.alloc_file,
                     "Genesis accounts from a geth-format alloc JSON file (address -> {balance, "
                     "nonce, code, storage}; or a genesis file, whose alloc is used)");
    init->add_option("--fund", init_opts->funding.fund,
                     "Fund ADDRESS=AMOUNT in the genesis (repeatable); AMOUNT in wei, or with a "
                     "unit: 100ether, 1.5ether, 20gwei");
    init->add_flag("--dev-accounts", init_opts->funding.dev_accounts,
                   "Fund the 10 accounts of the PUBLIC test mnemonic with 10000 ether each (local "
                   "test chains only: anyone can spend them)");
    init->add_option("--unlock-dev-accounts", settings.unlock_dev_accounts,
                     "node.toml unlock_dev_accounts: every node signs eth_sendTransaction/eth_sign "
                     "for the first N test-mnemonic accounts (default 0: nodes sign nothing)");
    init->add_option("--rpc-api", settings.rpc_api,
                     "node.toml rpc_api: JSON-RPC namespaces served, comma separated (debug, evm "
                     "and personal only when listed)")
        ->delimiter(',')
        ->capture_default_str();
    init->add_flag("--force", init_opts->force, "Replace a chain already in the directory");
    init->callback(guarded([init_opts, interval_opt, keep_opt, snapshot_interval, snapshot_keep] {
        if (interval_opt->count() > 0)
            init_opts->settings.snapshot_interval = *snapshot_interval;
        if (keep_opt->count() > 0)
            init_opts->settings.snapshot_keep_recent = *snapshot_keep;
        chain_init(*init_opts);
    }));

    struct AddOptions
    {
        std::string dir;
        std::string host;
        bool state_sync = false;
    };
    auto add = std::make_shared<AddOptions>();
    auto* add_node = chain->add_subcommand(
        "add-node",
        "Add a full node (not a validator) to a chain: its folder DIR/node<N>, peers = the "
        "validators; with --state-sync it restores a recent snapshot instead of replaying");
    add_node->add_option("dir", add->dir, "Chain directory (from tern chain init)")->required();
    add_node->add_flag("--state-sync", add->state_sync,
                       "Join by CometBFT state sync: trusted height and hash from a running "
                       "validator's /commit, two validators' CometBFT RPCs for the light client");
    add_node->add_option("--host", add->host,
                         "The new node's address (chains on separate machines; it uses the base "
                         "ports there)");
    add_node->callback(guarded([add] { chain_add_node(add->dir, add->host, add->state_sync); }));

    struct RunOptions
    {
        std::string dir;
        int node = -1;
        unsigned timeout = 60;
        bool kill = false;
        bool json = false;
    };
    auto run = std::make_shared<RunOptions>();

    auto* up = chain->add_subcommand(
        "up", "Start the chain's nodes in the background (logs in DIR/node<i>/logs)");
    up->add_option("dir", run->dir, "Chain directory (from tern chain init)")->required();
    up->add_option("--node", run->node, "Start only node i");
    up->add_option("--timeout", run->timeout, "Seconds to wait for each RPC to answer")
        ->capture_default_str();
    up->callback(guarded([run] { chain_up(run->dir, run->node, run->timeout); }));

    auto* down = chain->add_subcommand("down", "Stop the chain's nodes (SIGTERM, or SIGKILL)");
    down->add_option("dir", run->dir, "Chain directory")->required();
    down->add_option("--node", run->node, "Stop only node i");
    down->add_flag("--kill", run->kill, "SIGKILL the node and its cometbft (a crash)");
    down->add_option("--timeout", run->timeout, "Seconds before SIGTERM becomes SIGKILL")
        ->capture_default_str();
    down->callback(guarded([run] { chain_down(run->dir, run->node, run->kill, run->timeout); }));

    auto* status = chain->add_subcommand(
        "status", "Per node: running, CometBFT height, peers, app hash, Ethereum head");
    status->add_option("dir", run->dir, "Chain directory")->required();
    status->add_option("--node", run->node, "Only node i");
    status->add_flag("--json", run->json, "Machine-readable output");
    status->callback(guarded([run] { chain_status(run->dir, run->node, run->json); }));
}

}  // namespace tern::tools
