// libFuzzer harness for the JSON-RPC request path: arbitrary bytes as a request body (HTTP or
// WebSocket), parsed and dispatched to a table of dummy handlers (no sockets). Invariants: the
// dispatcher never throws or crashes; what it returns is valid JSON made of JSON-RPC 2.0
// responses (each with exactly one of result/error); a single valid notification gets no
// response; a single valid call always gets one, carrying its id, and a numeric id comes back as
// the very text it was sent as; the raw id texts found by the scanner parse to the ids the
// parser saw; refusing a message (server busy) answers only with errors.

#include "rpc/dispatcher.hpp"
#include "rpc/json_text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace {

using json = nlohmann::json;
using namespace tern::rpc;

class NullSink : public NotificationSink
{
public:
    bool push(std::shared_ptr<const std::string> message) override
    {
        // Notifications must be valid JSON too.
        if (json::parse(*message, nullptr, false).is_discarded())
            std::abort();
        return true;
    }
};

void check(bool ok)
{
    if (!ok)
        std::abort();
}

void check_response(const json& r)
{
    check(r.is_object());
    check(r.contains("jsonrpc") && r["jsonrpc"] == "2.0");
    check(r.contains("id"));
    check(r.contains("result") != r.contains("error"));
    if (r.contains("error"))
    {
        const auto& e = r["error"];
        check(e.is_object() && e.contains("code") && e["code"].is_number_integer() &&
              e.contains("message") && e["message"].is_string());
    }
}

Dispatcher& dispatcher()
{
    static Dispatcher* d = [] {
        DispatchLimits limits;
        limits.max_batch_items = 20;
        limits.max_batch_response_bytes = 4096;
        auto* dd = new Dispatcher(limits);
        dd->add("echo", [](const json& params, CallContext&) { return params; });
        dd->add("first", [](const json& params, CallContext&) -> json { return params.at(0); });
        dd->add("typed", [](const json& params, CallContext&) -> json {
            return params.at(0).get<std::string>() + std::to_string(params.at(1).get<int>());
        });
        dd->add("revert", [](const json& params, CallContext&) -> json {
            throw Error{3, "execution reverted", params};
        });
        dd->add("crash",
                [](const json&, CallContext&) -> json { throw std::runtime_error("crash"); });
        dd->add_result("result", [](const json& params, CallContext&) -> tern::Result<json, Error> {
            if (params.empty())
                return Error::invalid_params("empty");
            return json(params.size());
        });
        dd->add("eth_subscribe", [dd](const json& params, CallContext& ctx) -> json {
            const std::string id = ctx.subscribe(params.at(0).get<std::string>(),
                                                 params.size() > 1 ? params[1] : json());
            dd->subscriptions().publish(params[0].get<std::string>(), params);
            return id;
        });
        dd->add_unsubscribe("eth_unsubscribe");
        if (!dd->set_cost("first", Cost::Heavy) || !dd->set_cost("typed", Cost::Heavy))
            std::abort();
        return dd;
    }();
    return *d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto& d = dispatcher();
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto sink = std::make_shared<NullSink>();
    CallContext ctx(size % 2 ? Transport::WebSocket : Transport::Http, "fuzz", &d.subscriptions(),
                    size % 2 ? sink : nullptr);
    const Message message = d.parse(body);
    const bool heavy = message.heavy;
    const auto out = d.handle(message, ctx);
    d.subscriptions().remove_all(sink.get());
    // Heavy exactly when an item calls a heavy method ("first", "typed").
    if (!message.error)
    {
        const auto calls_heavy = [](const json& r) {
            return r.is_object() && r.contains("method") && r["method"].is_string() &&
                   (r["method"] == "first" || r["method"] == "typed");
        };
        const json& m = message.json;
        const bool expected =
            m.is_array() ? std::any_of(m.begin(), m.end(), calls_heavy) : calls_heavy(m);
        check(heavy == expected);
    }

    // Refusing answers every call with the error (or the parse error), never with a result.
    if (const auto refused = d.refuse(message, Error{code::limit_exceeded, "busy", std::nullopt}))
    {
        const json r = json::parse(*refused, nullptr, false);
        check(!r.is_discarded());
        for (const auto& item : r.is_array() ? r : json::array({r}))
        {
            check_response(item);
            check(item.contains("error"));
        }
    }

    const json request = json::parse(body, nullptr, false);
    // The scanner's raw ids are the parser's ids, as text.
    if (!request.is_discarded() && json_nesting_depth(body) <= d.limits().max_depth)
    {
        const auto raw = raw_request_ids(body);
        const auto check_item = [](const json& item, std::string_view text) {
            if (!item.is_object() || !item.contains("id"))
                return;
            const json id = json::parse(text, nullptr, false);
            check(!id.is_discarded() && id == item["id"]);
        };
        if (request.is_object())
        {
            check(raw.size() == 1);
            check_item(request, raw[0]);
        }
        else if (request.is_array())
        {
            check(raw.size() == request.size());
            for (size_t i = 0; i < raw.size(); ++i)
                check_item(request[i], raw[i]);
        }
    }
    if (out)
    {
        const json response = json::parse(*out, nullptr, false);
        check(!response.is_discarded());
        if (response.is_array())
        {
            check(request.is_array() && !response.empty());
            for (const auto& r : response)
                check_response(r);
        }
        else
            check_response(response);
    }
    if (!request.is_discarded() && request.is_object() &&
        json_nesting_depth(body) <= d.limits().max_depth)
    {
        const bool valid = request.contains("jsonrpc") && request["jsonrpc"] == "2.0" &&
                           request.contains("method") && request["method"].is_string() &&
                           !request["method"].get_ref<const std::string&>().empty();
        if (valid && !request.contains("id"))
            check(!out);
        if (valid && request.contains("id") && !request["id"].is_structured())
        {
            check(out.has_value());
            check(json::parse(*out)["id"] == request["id"]);
            if (request["id"].is_number())
                check(out->find("\"id\":" + std::string(raw_request_ids(body)[0]) + ",") !=
                      std::string::npos);
        }
    }
    return 0;
}
