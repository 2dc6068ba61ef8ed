#include "chain/config.hpp"

#include "mlchain/ml_precompiles.hpp"

namespace tern::chain {

void attach_precompiles(ChainConfig& config)
{
    if (!config.ml_inference)
    {
        config.precompiles = nullptr;
        return;
    }
    mlchain::MlConfig ml;
    ml.limits.max_model_bytes = config.ml_max_model_bytes;
    config.precompiles = std::make_shared<mlchain::MlPrecompiles>(ml);
}

}  // namespace tern::chain
