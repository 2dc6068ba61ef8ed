#include "rpc/dispatcher.hpp"

#include "rpc/heap_trim.hpp"
#include "rpc/json_text.hpp"

#include <algorithm>
#include <exception>
#include <new>

namespace tern::rpc {
namespace {

using json = nlohmann::json;

std::string dump(const json& j)
{
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Appends the id as sent (`raw`) or, when there is no raw text, as parsed.
void append_id(std::string& out, const json& id, std::string_view raw)
{
    if (raw.empty())
        out += dump(id);
    else
        out += raw;
}

void append_error(std::string& out, const json& id, const Error& error, std::string_view raw = {})
{
    out += R"({"jsonrpc":"2.0","id":)";
    append_id(out, id, raw);
    out += R"(,"error":{"code":)";
    out += std::to_string(error.code);
    out += R"(,"message":)";
    out += dump(json(error.message));
    if (error.data)
    {
        out += R"(,"data":)";
        out += dump(*error.data);
    }
    out += "}}";
}

/// The request's id when it is usable in a response (string, number, null...), else null.
const json* valid_id(const json& request)
{
    if (!request.is_object())
        return nullptr;
    const auto it = request.find("id");
    if (it == request.end() || it->is_object() || it->is_array())
        return nullptr;
    return &*it;
}

/// A request object that is a call (has a usable id) or a notification (no id at all).
struct Parsed
{
    const json* id = nullptr;  // null for notifications
    const std::string* method = nullptr;
    const json* params = nullptr;  // null when absent
    bool notification = false;
};

std::optional<Parsed> parse_request(const json& request)
{
    if (!request.is_object())
        return std::nullopt;
    const auto version = request.find("jsonrpc");
    if (version == request.end() || !version->is_string() ||
        version->get_ref<const std::string&>() != "2.0")
        return std::nullopt;
    const auto method = request.find("method");
    if (method == request.end() || !method->is_string() ||
        method->get_ref<const std::string&>().empty())
        return std::nullopt;
    Parsed p;
    p.method = &method->get_ref<const std::string&>();
    const auto params = request.find("params");
    if (params != request.end())
        p.params = &*params;
    if (!request.contains("id"))
        p.notification = true;
    else if (!(p.id = valid_id(request)))
        return std::nullopt;
    return p;
}

/// True when the request's id would not print as it was sent: a float (`1e2`, `1.50`, an
/// integer past 64 bits) or `-0` (parsed as the signed integer 0; a plain `0` is unsigned).
bool id_needs_raw_text(const json& request)
{
    if (!request.is_object())
        return false;
    const auto it = request.find("id");
    if (it == request.end())
        return false;
    return it->is_number_float() ||
           (it->type() == json::value_t::number_integer && it->get<int64_t>() == 0);
}

/// Raw id texts for the ids of `message` that need them (see id_needs_raw_text); empty when
/// none does, which is the common case and costs one lookup per request.
std::vector<std::string> raw_ids_needed(const json& message, std::string_view body)
{
    std::vector<std::string> out;
    bool any = false;
    if (message.is_array())
    {
        for (const auto& item : message)
            if ((any = id_needs_raw_text(item)))
                break;
    }
    else
        any = id_needs_raw_text(message);
    if (!any)
        return out;
    const auto raw = raw_request_ids(body);
    const size_t n = message.is_array() ? message.size() : 1;
    if (raw.size() != n)
        return out;  // cannot happen for text the parser accepted; print parsed ids then
    out.resize(n);
    for (size_t i = 0; i < n; ++i)
        if (id_needs_raw_text(message.is_array() ? message[i] : message))
            out[i] = raw[i];
    return out;
}

/// Runs the context's deferred work when the scope ends (also on the error paths).
struct RunDeferredAtExit
{
    CallContext& ctx;
    ~RunDeferredAtExit() { ctx.run_deferred(); }
};

const json& empty_params()
{
    static const json empty = json::array();
    return empty;
}

}  // namespace

Error Error::invalid_params(std::string message)
{
    return Error{code::invalid_params, std::move(message), std::nullopt};
}

Error Error::internal(std::string message)
{
    return Error{code::internal_error, std::move(message), std::nullopt};
}

Error Error::server(std::string message)
{
    return Error{code::server_error, std::move(message), std::nullopt};
}

Error Error::method_not_found(std::string_view method)
{
    return Error{code::method_not_found,
                 "the method " + std::string(method) + " does not exist/is not available",
                 std::nullopt};
}

CallContext::CallContext(Transport transport,
                         std::string remote_address,
                         Subscriptions* subscriptions,
                         std::shared_ptr<NotificationSink> sink)
    : transport_(transport),
      remote_(std::move(remote_address)),
      subscriptions_(subscriptions),
      sink_(std::move(sink))
{}

std::string CallContext::subscribe(std::string topic, nlohmann::json params)
{
    if (!can_subscribe())
        throw Error{code::method_not_found, "notifications not supported", std::nullopt};
    const size_t underscore = method_.find('_');
    std::string notification_method =
        (underscore == std::string::npos || underscore == 0 ? std::string("eth")
                                                            : method_.substr(0, underscore)) +
        "_subscription";
    auto id = subscriptions_->add(sink_, std::move(topic), std::move(params),
                                  std::move(notification_method));
    if (!id)
        throw Error::server(id.error().message);
    return std::move(id).value();
}

std::string_view CallContext::client_ip() const noexcept
{
    const std::string_view r = remote_;
    if (r.starts_with('['))
    {
        const size_t end = r.find(']');
        return end == std::string_view::npos ? r : r.substr(1, end - 1);
    }
    const size_t colon = r.rfind(':');
    if (colon == std::string_view::npos || r.find(':') != colon)
        return r;  // no port, or a bare IPv6 address
    return r.substr(0, colon);
}

void CallContext::run_deferred() noexcept
{
    // Index loop: a work item may queue more work.
    for (size_t i = 0; i < deferred_.size(); ++i)
    {
        try
        {
            auto work = std::move(deferred_[i]);
            work();
        }
        catch (...)
        {}
    }
    deferred_.clear();
}

bool CallContext::unsubscribe(std::string_view id)
{
    if (!can_subscribe())
        return false;
    return subscriptions_->remove(sink_.get(), id);
}

Dispatcher::Dispatcher(DispatchLimits limits)
    : limits_(limits),
      subscriptions_(
          SubscriptionLimits{limits.max_subscriptions_per_connection, limits.max_subscriptions})
{}

void Dispatcher::add(std::string method, Handler handler)
{
    methods_[std::move(method)].handler =
        [h = std::move(handler)](const json& params, CallContext& ctx) -> Result<json, Error> {
        return h(params, ctx);
    };
}

void Dispatcher::add_result(std::string method, ResultHandler handler)
{
    methods_[std::move(method)].handler = std::move(handler);
}

bool Dispatcher::set_cost(std::string_view method, Cost cost)
{
    const auto it = methods_.find(method);
    if (it == methods_.end())
        return false;
    if (it->second.cost != cost)
        heavy_methods_ += cost == Cost::Heavy ? 1 : size_t(-1);
    it->second.cost = cost;
    return true;
}

Cost Dispatcher::cost(std::string_view method) const
{
    const auto it = methods_.find(method);
    return it == methods_.end() ? Cost::Cheap : it->second.cost;
}

bool Dispatcher::calls_heavy(const json& message) const
{
    if (heavy_methods_ == 0)
        return false;
    const auto heavy = [this](const json& request) {
        if (!request.is_object())
            return false;
        const auto m = request.find("method");
        if (m == request.end() || !m->is_string())
            return false;
        const auto it = methods_.find(m->get_ref<const std::string&>());
        return it != methods_.end() && it->second.cost == Cost::Heavy;
    };
    if (!message.is_array())
        return heavy(message);
    return std::any_of(message.begin(), message.end(), heavy);
}

void Dispatcher::add_unsubscribe(std::string method)
{
    add(std::move(method), [](const json& params, CallContext& ctx) -> json {
        if (!params.is_array() || params.empty())
            throw Error::invalid_params("missing value for required argument 0");
        if (params.size() > 1)
            throw Error::invalid_params("too many arguments, want at most 1");
        if (!params[0].is_string())
            throw Error::invalid_params(
                "invalid argument 0: json: cannot unmarshal non-string into Go value of type "
                "rpc.ID");
        if (!ctx.unsubscribe(params[0].get_ref<const std::string&>()))
            throw Error::server("subscription not found");
        return true;
    });
}

bool Dispatcher::remove(std::string_view method)
{
    const auto it = methods_.find(method);
    if (it == methods_.end())
        return false;
    if (it->second.cost == Cost::Heavy)
        --heavy_methods_;
    methods_.erase(it);
    return true;
}

bool Dispatcher::has(std::string_view method) const
{
    return methods_.find(method) != methods_.end();
}

std::vector<std::string> Dispatcher::methods() const
{
    std::vector<std::string> out;
    out.reserve(methods_.size());
    for (const auto& [name, h] : methods_)
        out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
}

std::string Dispatcher::error_response(const nlohmann::json& id, const Error& error)
{
    std::string out;
    append_error(out, id, error);
    return out;
}

json Dispatcher::call(std::string_view method, const json& params, CallContext& ctx) const
{
    const auto it = methods_.find(method);
    if (it == methods_.end())
        throw Error::method_not_found(method);
    ctx.set_method(method);
    const RunDeferredAtExit run_deferred{ctx};
    auto r = it->second.handler(params, ctx);
    if (!r)
        throw r.error();
    return std::move(r).value();
}

size_t Dispatcher::handle_one(const json& request,
                              std::string_view raw_id,
                              CallContext& ctx,
                              std::string& out) const
{
    const auto parsed = parse_request(request);
    if (!parsed)
    {
        const json* id = valid_id(request);
        append_error(out, id ? *id : json(nullptr),
                     Error{code::invalid_request, "invalid request", std::nullopt},
                     id ? raw_id : std::string_view());
        return 0;
    }
    const json null_id = nullptr;
    const json& id = parsed->id ? *parsed->id : null_id;

    std::optional<Error> error;
    std::optional<json> result;
    const json* params = parsed->params;
    if (!params || params->is_null())
        params = &empty_params();
    const auto it = methods_.find(*parsed->method);
    if (it == methods_.end())
        error = Error::method_not_found(*parsed->method);
    else if (!params->is_array() && !params->is_object())
        error = Error::invalid_params("non-array args");
    else
    {
        ctx.set_method(*parsed->method);
        try
        {
            auto r = it->second.handler(*params, ctx);
            if (r)
                result.emplace(std::move(r).value());
            else
                error = r.error();
        }
        catch (const Error& e)
        {
            error = e;
        }
        catch (const json::exception& e)
        {
            error = Error::invalid_params(e.what());
        }
        catch (const std::bad_alloc&)
        {
            error = Error::internal("out of memory");
        }
        catch (const std::exception& e)
        {
            error = Error::internal(e.what());
        }
        catch (...)
        {
            error = Error::internal("method handler crashed");
        }
    }
    if (parsed->notification)
        return 0;
    if (error)
    {
        append_error(out, id, *error, raw_id);
        return 0;
    }
    out += R"({"jsonrpc":"2.0","id":)";
    append_id(out, id, raw_id);
    out += R"(,"result":)";
    const size_t before = out.size();
    out += dump(*result);
    const size_t result_size = out.size() - before;
    out += "}";
    // The result (several times its text in memory) is freed on return; the text once sent.
    note_large_free(result_size);
    return result_size;
}

std::string Dispatcher::handle_batch(const json& batch,
                                     const std::vector<std::string>& raw_ids,
                                     CallContext& ctx,
                                     bool& any) const
{
    std::string out = "[";
    any = false;
    size_t response_bytes = 0;
    bool too_large = false;
    for (size_t i = 0; i < batch.size(); ++i)
    {
        // Nobody waits for the answer any more: skip the remaining items.
        if (ctx.cancelled())
            break;
        const json& request = batch[i];
        const std::string_view raw_id = raw_ids.empty() ? std::string_view() : raw_ids[i];
        const size_t before = out.size();
        if (any)
            out += ',';
        if (too_large)
        {
            const auto parsed = parse_request(request);
            if (parsed && parsed->notification)
            {
                out.resize(before);
                continue;
            }
            const json* id = valid_id(request);
            append_error(out, id ? *id : json(nullptr),
                         Error{code::response_too_large, "response too large", std::nullopt},
                         id ? raw_id : std::string_view());
            any = true;
            continue;
        }
        const size_t mark = out.size();
        response_bytes += handle_one(request, raw_id, ctx, out);
        if (out.size() == mark)
            out.resize(before);  // notification: nothing appended
        else
            any = true;
        if (limits_.max_batch_response_bytes != 0 &&
            response_bytes > limits_.max_batch_response_bytes)
            too_large = true;
    }
    out += ']';
    return out;
}

std::optional<std::string> Dispatcher::handle_message(const json& message, CallContext& ctx) const
{
    return dispatch(message, {}, ctx);
}

std::optional<std::string> Dispatcher::dispatch(const json& message,
                                                const std::vector<std::string>& raw_ids,
                                                CallContext& ctx) const
{
    // Deferred work runs after the last item and before the caller sends the response.
    const RunDeferredAtExit run_deferred{ctx};
    try
    {
        if (message.is_array())
        {
            if (message.empty())
                return error_response(nullptr,
                                      Error{code::invalid_request, "empty batch", std::nullopt});
            if (limits_.max_batch_items != 0 && message.size() > limits_.max_batch_items)
            {
                // geth: one error in an array, carrying the id of the first call.
                json id = nullptr;
                std::string_view raw_id;
                for (size_t i = 0; i < message.size(); ++i)
                    if (const auto p = parse_request(message[i]); p && !p->notification)
                    {
                        id = *p->id;
                        if (!raw_ids.empty())
                            raw_id = raw_ids[i];
                        break;
                    }
                std::string out = "[";
                append_error(out, id, Error{code::invalid_request, "batch too large", std::nullopt},
                             raw_id);
                return out + "]";
            }
            bool any = false;
            ctx.set_in_batch(message.size() > 1);
            std::string out = handle_batch(message, raw_ids, ctx, any);
            ctx.set_in_batch(false);
            if (!any)
                return std::nullopt;
            return out;
        }
        std::string out;
        handle_one(message, raw_ids.empty() ? std::string_view() : raw_ids[0], ctx, out);
        if (out.empty())
            return std::nullopt;
        return out;
    }
    catch (...)
    {
        const json* id = message.is_object() ? valid_id(message) : nullptr;
        std::string out;
        append_error(out, id ? *id : json(nullptr), Error::internal("internal error"),
                     id && !raw_ids.empty() ? std::string_view(raw_ids[0]) : std::string_view());
        return out;
    }
}

Message Dispatcher::parse(std::string_view body) const
{
    Message m;
    const Error parse_error{code::parse_error, "parse error", std::nullopt};
    try
    {
        auto parsed = parse_client_json(body, limits_.max_depth);
        if (!parsed)
        {
            m.error = error_response(nullptr, parse_error);
            return m;
        }
        m.json = std::move(parsed).value();
        m.raw_ids = raw_ids_needed(m.json, body);
        m.heavy = calls_heavy(m.json);
    }
    catch (...)
    {
        m.error = error_response(nullptr, Error::internal("internal error"));
    }
    return m;
}

std::optional<std::string> Dispatcher::handle(const Message& message, CallContext& ctx) const
{
    if (message.error)
        return message.error;
    return dispatch(message.json, message.raw_ids, ctx);
}

std::optional<std::string> Dispatcher::handle(std::string_view body, CallContext& ctx) const
{
    return handle(parse(body), ctx);
}

std::optional<std::string> Dispatcher::refuse(const Message& message, const Error& error) const
{
    if (message.error)
        return message.error;
    const json& m = message.json;
    const auto raw = [&](size_t i) {
        return message.raw_ids.empty() ? std::string_view() : std::string_view(message.raw_ids[i]);
    };
    const auto one = [&](const json& request, std::string_view raw_id, std::string& out) {
        if (request.is_object() && !request.contains("id") && parse_request(request))
            return false;  // a notification: no response
        const json* id = valid_id(request);
        append_error(out, id ? *id : json(nullptr), error, id ? raw_id : std::string_view());
        return true;
    };
    if (!m.is_array())
    {
        std::string out;
        if (!one(m, raw(0), out))
            return std::nullopt;
        return out;
    }
    if (m.empty())
        return error_response(nullptr, Error{code::invalid_request, "empty batch", std::nullopt});
    std::string out = "[";
    bool any = false;
    for (size_t i = 0; i < m.size(); ++i)
    {
        const size_t before = out.size();
        if (any)
            out += ',';
        if (one(m[i], raw(i), out))
            any = true;
        else
            out.resize(before);
    }
    if (!any)
        return std::nullopt;
    return out + "]";
}

}  // namespace tern::rpc
