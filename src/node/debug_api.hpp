#pragma once

namespace tern::node {

class Node;

/// Registers geth's tracing methods on `node`'s dispatcher:
///   debug_traceTransaction(txHash, config?)   re-executes the block's earlier transactions on
///                                             the parent state, then traces the transaction
///   debug_traceCall(args, block?, config?)     traces an eth_call-style message (config may
///                                             carry stateOverrides)
///   debug_traceBlockByNumber / ByHash(block, config?)  [{txHash, result}] per transaction
/// config: {tracer?: "" | "callTracer", tracerConfig?: {onlyTopCall, withLog}, enableMemory,
/// disableStack, disableStorage, enableReturnData, limit}. Without a tracer the result is the
/// struct logger's {gas, failed, returnValue, structLogs}. Install with
/// node.add_setup(register_debug_api).
void register_debug_api(Node& node);

}  // namespace tern::node
