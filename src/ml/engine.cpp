#include "ml/engine.hpp"

namespace tern::ml {

Result<std::shared_ptr<const Model>, std::string> load_model(std::span<const uint8_t>,
                                                             const Limits&)
{
    return std::string("not implemented");
}

Result<CostReport, std::string> cost_report(const Model&, std::span<const Tensor>, const Limits&)
{
    return std::string("not implemented");
}

Result<uint64_t, std::string> cost(const Model& model,
                                   std::span<const Tensor> inputs,
                                   const Limits& limits)
{
    auto r = cost_report(model, inputs, limits);
    if (!r)
        return r.error();
    return r->gas;
}

Result<std::vector<Tensor>, std::string> run(const Model&, std::span<const Tensor>, const Limits&)
{
    return std::string("not implemented");
}

}  // namespace tern::ml
