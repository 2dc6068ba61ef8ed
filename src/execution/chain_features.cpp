#include "execution/chain_features.hpp"

#include "core/hex.hpp"
#include "precompiles/precompiles.hpp"

#include <algorithm>

namespace tern::execution {

std::string FeatureError::message() const
{
    const std::string where = to_hex(address.view());
    switch (kind)
    {
        case FeatureErrorKind::ReservedByEthereum:
            return "chain feature " + feature + ": address " + where +
                   " is an Ethereum precompile's";
        case FeatureErrorKind::AddressTaken:
            return "chain feature " + feature + ": address " + where + " is already " +
                   other_feature + "'s";
        case FeatureErrorKind::NoPrecompiles:
            return "chain feature " + feature + ": addresses without precompiles";
    }
    return "chain feature " + feature + ": refused";
}

std::optional<FeatureError> ChainFeatures::add(ChainFeature feature)
{
    auto refuse = [&](FeatureErrorKind kind, const Address& a, std::string other = {}) {
        return FeatureError{kind, a, feature.name, std::move(other)};
    };
    if (!feature.addresses.empty() && feature.precompiles == nullptr)
        return refuse(FeatureErrorKind::NoPrecompiles, feature.addresses.front());

    // Every address the feature claims: precompiles first, then predeploys.
    std::vector<Address> claimed = feature.addresses;
    for (const auto& p : feature.predeploys)
        claimed.push_back(p.address);
    for (size_t i = 0; i < claimed.size(); ++i)
    {
        const Address& a = claimed[i];
        if (precompiles::reserved_by_ethereum(a))
            return refuse(FeatureErrorKind::ReservedByEthereum, a);
        // Listed twice is refused, except a predeploy at one of the feature's own precompile
        // addresses: the account (code for eth_getCode, storage) of an address it serves.
        const size_t first_predeploy = feature.addresses.size();
        for (size_t j = 0; j < i; ++j)
            if (claimed[j] == a && !(j < first_predeploy && i >= first_predeploy))
                return refuse(FeatureErrorKind::AddressTaken, a, feature.name);
        for (const auto& [b, p] : by_address_)
            if (b == a)
                for (const auto& f : features_)
                    if (f.precompiles.get() == p)
                        return refuse(FeatureErrorKind::AddressTaken, a, f.name);
        for (const auto& [b, index] : predeploys_)
            if (b == a)
                return refuse(FeatureErrorKind::AddressTaken, a, features_[index].name);
    }

    const size_t index = features_.size();
    for (const auto& a : feature.addresses)
        by_address_.emplace_back(a, feature.precompiles.get());
    std::sort(by_address_.begin(), by_address_.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& p : feature.predeploys)
        predeploys_.emplace_back(p.address, index);
    if (feature.deploy_guard)
        deploy_guards_.push_back(feature.deploy_guard.get());
    features_.push_back(std::move(feature));

    for (int f = 0; f < evm::kNumForks; ++f)
    {
        const auto ethereum = precompiles::precompile_addresses(static_cast<evm::Fork>(f));
        auto& warm = warm_[static_cast<size_t>(f)];
        warm.assign(ethereum.begin(), ethereum.end());
        for (const auto& feat : features_)
            if (feat.warm_at_start)
                warm.insert(warm.end(), feat.addresses.begin(), feat.addresses.end());
    }
    return std::nullopt;
}

StatefulPrecompiles* ChainFeatures::find(const Address& addr) const noexcept
{
    // A handful of entries: a linear scan of the sorted array, stopping at the first address
    // not below `addr` (no allocation, no map).
    for (const auto& [a, p] : by_address_)
    {
        if (a < addr)
            continue;
        return a == addr ? p : nullptr;
    }
    return nullptr;
}

std::span<const Address> ChainFeatures::warm_set(evm::Fork fork) const noexcept
{
    if (features_.empty())
        return precompiles::precompile_addresses(fork);
    return warm_[static_cast<size_t>(fork)];
}

std::span<const Address> warm_precompiles(const ChainFeatures* features, evm::Fork fork) noexcept
{
    if (features == nullptr)
        return precompiles::precompile_addresses(fork);
    return features->warm_set(fork);
}

}  // namespace tern::execution
