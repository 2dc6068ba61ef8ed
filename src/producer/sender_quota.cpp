#include "producer/sender_quota.hpp"

#include <map>
#include <set>

namespace tern::producer {

uint64_t sender_gas_quota(uint64_t block_gas_limit, uint64_t percent) noexcept
{
    if (percent == 0 || percent >= 100)
        return 0;
    return block_gas_limit / 100 * percent + block_gas_limit % 100 * percent / 100;
}

bool counts_against_quota(const execution::FeePolicy& fees,
                          const txpool::PooledTransaction& ptx) noexcept
{
    return fees.free && !execution::pays_with_work(fees, ptx.tx, ptx.sender);
}

std::vector<txpool::PooledTxPtr> apply_sender_quota(std::span<const txpool::PooledTxPtr> ordered,
                                                    uint64_t quota,
                                                    const execution::FeePolicy& fees)
{
    if (quota == 0 || !fees.free)
        return {ordered.begin(), ordered.end()};
    std::vector<txpool::PooledTxPtr> out;
    out.reserve(ordered.size());
    std::map<Address, uint64_t> used;  // gas taken per sender
    std::set<Address> stopped;         // senders past their quota
    for (const auto& ptx : ordered)
    {
        if (!stopped.empty() && stopped.contains(ptx->sender))
            continue;
        if (counts_against_quota(fees, *ptx))
        {
            uint64_t& gas = used[ptx->sender];
            if (gas != 0 && ptx->tx.gas_limit > quota - std::min(gas, quota))
            {
                stopped.insert(ptx->sender);
                continue;
            }
            gas += ptx->tx.gas_limit;
        }
        out.push_back(ptx);
    }
    return out;
}

}  // namespace tern::producer
