#pragma once

namespace tern::rpc {
class Subscriptions;
}

namespace tern::api {

class Backend;
class MethodTable;

/// Adds eth_subscribe / eth_unsubscribe over `backend`, publishing to `subscriptions` (WebSocket
/// connections; over HTTP eth_subscribe is -32601 "notifications not supported", as geth) and
/// publishes:
/// - "newHeads": the header of each committed block (the block object without transactions);
/// - "logs" (with a filter object: address, topics, fromBlock/toBlock): each matching log of
///   each committed block, removed:false;
/// - "newPendingTransactions": hashes of transactions that became executable, or full
///   transaction objects with `true` as the second parameter (geth's fullTx option);
/// - "syncing": accepted; a dev node never syncs, so it never notifies.
/// Notifications of a block are sent after it is committed, in block order: its header first,
/// then its logs in log-index order.
void add_subscription_methods(MethodTable& table,
                              Backend& backend,
                              rpc::Subscriptions& subscriptions);

}  // namespace tern::api
