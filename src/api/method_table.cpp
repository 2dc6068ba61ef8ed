#include "api/method_table.hpp"

#include "api/json/params.hpp"

#include <algorithm>

namespace tern::api {

using nlohmann::json;

void MethodTable::add(std::string name, rpc::Handler handler, rpc::Cost cost)
{
    methods_.push_back(Method{std::move(name), std::move(handler), cost, false});
}

void MethodTable::add_unsubscribe(std::string name)
{
    methods_.push_back(Method{std::move(name), {}, rpc::Cost::Cheap, true});
}

bool MethodTable::has(std::string_view name) const
{
    return std::any_of(methods_.begin(), methods_.end(),
                       [name](const Method& m) { return m.name == name; });
}

std::vector<std::string> MethodTable::namespaces() const
{
    std::vector<std::string> out;
    for (const auto& m : methods_)
        out.emplace_back(m.ns());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void MethodTable::install(rpc::Dispatcher& dispatcher) const
{
    for (const auto& m : methods_)
    {
        if (m.unsubscribe)
            dispatcher.add_unsubscribe(m.name);
        else
            dispatcher.add(m.name, m.handler);
        [[maybe_unused]] const bool known = dispatcher.set_cost(m.name, m.cost);
    }
}

std::vector<std::string> served_namespaces(const rpc::Dispatcher& dispatcher)
{
    std::vector<std::string> out;
    for (const auto& method : dispatcher.methods())
        out.push_back(method.substr(0, method.find('_')));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::string> select_namespaces(rpc::Dispatcher& dispatcher,
                                           const std::vector<std::string>& enabled)
{
    std::vector<std::string> notices;
    if (!enabled.empty())
    {
        const auto available = served_namespaces(dispatcher);
        const auto listed = [&enabled](std::string_view ns) {
            return ns == "rpc" || std::find(enabled.begin(), enabled.end(), ns) != enabled.end();
        };
        for (const auto& name : enabled)
            if (std::find(available.begin(), available.end(), name) == available.end())
            {
                std::string known;
                for (const auto& a : available)
                    known += (known.empty() ? "" : ", ") + a;
                // geth warns about unavailable modules in --http.api and serves the rest.
                notices.push_back("rpc_api: no namespace '" + name + "' (available: " + known +
                                  ")");
            }
        for (const auto& method : dispatcher.methods())
            if (!listed(std::string_view(method).substr(0, method.find('_'))))
                dispatcher.remove(method);
    }
    // geth's rpc_modules: {"eth":"1.0",...} for the namespaces served.
    json modules = json::object();
    for (const auto& ns : served_namespaces(dispatcher))
        modules[ns] = "1.0";
    modules["rpc"] = "1.0";
    dispatcher.add("rpc_modules", [modules](const json& p, rpc::CallContext&) {
        params::expect_count(p, 0, 0);
        return modules;
    });
    return notices;
}

}  // namespace tern::api
