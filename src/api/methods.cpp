#include "api/methods.hpp"

#include "api/backend.hpp"
#include "api/handlers/debug_api.hpp"
#include "api/handlers/eth_api.hpp"
#include "api/handlers/filter_api.hpp"
#include "api/handlers/proof_api.hpp"
#include "api/handlers/subscription_api.hpp"
#include "rpc/dispatcher.hpp"

namespace tern::api {

MethodTable node_methods(Backend& backend, rpc::Dispatcher& dispatcher)
{
    MethodTable table;
    // web3_, net_, eth_ (blocks, state, sends, calls, fees, logs), personal_sign, evm_mine.
    add_eth_methods(table, backend, dispatcher.limits().max_depth);
    // eth_getProof.
    add_proof_methods(table, backend, backend.head_tracker());
    // eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter, eth_getFilter*, ...
    add_filter_methods(table, backend, filter_options(backend.limits()));
    // eth_subscribe, eth_unsubscribe.
    add_subscription_methods(table, backend, dispatcher.subscriptions());
    // debug_trace*, debug_getRaw*.
    add_debug_methods(table, backend);
    return table;
}

}  // namespace tern::api
