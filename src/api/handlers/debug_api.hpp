#pragma once

namespace tern::api {

class Backend;
class MethodTable;

/// Adds geth's tracing methods over `backend` (all Cost::Heavy):
///   debug_traceTransaction(txHash, config?)   re-executes the block's earlier transactions on
///                                             the parent state, then traces the transaction
///   debug_traceCall(args, block?, config?)     traces an eth_call-style message (config may
///                                             carry stateOverrides)
///   debug_traceBlockByNumber / ByHash(block, config?)  [{txHash, result}] per transaction
/// config: {tracer?: "" | "callTracer", tracerConfig?: {onlyTopCall, withLog}, enableMemory,
/// disableStack, disableStorage, enableReturnData, limit}. Without a tracer the result is the
/// struct logger's {gas, failed, returnValue, structLogs}.
void add_debug_methods(MethodTable& table, Backend& backend);

}  // namespace tern::api
