#pragma once

#include "rpc/dispatcher.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tern::api {

/// One JSON-RPC method: its name (the namespace, geth's --http.api unit, is the part before
/// the first '_'), its handler and the lane it runs on.
struct Method
{
    std::string name;
    rpc::Handler handler;               ///< empty for an unsubscribe method
    rpc::Cost cost = rpc::Cost::Cheap;  ///< Heavy: EVM executions, traces, log scans
    bool unsubscribe = false;           ///< geth's unsubscribe (rpc::Dispatcher::add_unsubscribe)

    /// The namespace: "eth" of "eth_call".
    std::string_view ns() const noexcept
    {
        return std::string_view(name).substr(0, name.find('_'));
    }
};

/// The JSON-RPC methods a node serves, one row per method, gathered by each namespace's
/// add_*_methods (api/methods.cpp lists them) and installed on a dispatcher in one step.
class MethodTable
{
public:
    /// Adds `name`, served by `handler` on the lane `cost` says.
    void add(std::string name, rpc::Handler handler, rpc::Cost cost = rpc::Cost::Cheap);
    /// Adds `name` as geth's unsubscribe: params [id] -> true or "subscription not found".
    void add_unsubscribe(std::string name);
    /// Keeps `object` (state a family of handlers shares) alive as long as the table.
    void retain(std::shared_ptr<void> object) { retained_.push_back(std::move(object)); }

    /// The rows, in the order they were added.
    const std::vector<Method>& methods() const noexcept { return methods_; }
    /// True if `name` has a row.
    bool has(std::string_view name) const;
    /// The namespaces of the rows, sorted, each once.
    std::vector<std::string> namespaces() const;

    /// Registers every row on `dispatcher` with its cost (a row replaces a method of the same
    /// name; the objects the handlers share stay with the table, which must outlive them).
    void install(rpc::Dispatcher& dispatcher) const;

private:
    std::vector<Method> methods_;
    std::vector<std::shared_ptr<void>> retained_;
};

/// Namespaces of the methods `dispatcher` serves (sorted, each once).
std::vector<std::string> served_namespaces(const rpc::Dispatcher& dispatcher);

/// geth's --http.api: unregisters the methods of namespaces `enabled` leaves out (nothing when
/// it is empty; "rpc" always stays) and registers rpc_modules listing the namespaces served.
/// Returns a notice for each enabled name no method has (the rest is served, as geth does).
std::vector<std::string> select_namespaces(rpc::Dispatcher& dispatcher,
                                           const std::vector<std::string>& enabled);

}  // namespace tern::api
