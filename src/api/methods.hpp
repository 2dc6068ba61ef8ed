#pragma once

#include "api/method_table.hpp"

namespace tern::rpc {
class Dispatcher;
}

namespace tern::api {

class Backend;

/// Every JSON-RPC method a node serves, over `backend`: the one table `tern dev`, `tern node`
/// and the tests build (node::Node::start installs it, then applies rpc_api). `dispatcher` is
/// the one it will be installed on (its subscriptions and JSON limits).
MethodTable node_methods(Backend& backend, rpc::Dispatcher& dispatcher);

}  // namespace tern::api
