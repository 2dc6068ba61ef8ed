// Einsum for the forms exporters write: one operand (transposes and sums, "ij->ji", "ij->i")
// or two operands whose labels are each batch (both operands and the output), row (first
// operand and output), column (second operand and output) or contracted (both operands, not
// the output): "bij,bjk->bik", "ij,jk->ik", "bhid,bhjd->bhij", "i,i->". Two-operand forms run
// as a batched sgemm (float sums in increasing contraction index, ops_float.hpp); one-operand
// sums are in double in input order. An ellipsis must cover the same dims in every operand
// that has one ("...ij,...jk->...ik"). Refused with a clear error: broadcasting ellipses, a
// label repeated in one operand (diagonals), a label of only one of two operands summed away,
// more than two operands, non-float inputs.

#include "ml/ops_float.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace tern::ml {
namespace {

using Infos = std::span<const ValueInfo* const>;
using Outs = std::span<ValueInfo>;
using Ins = std::span<const Tensor* const>;
using Results = std::span<Tensor>;

struct Equation
{
    std::vector<std::string> terms;  // one per operand
    std::string out;
};

Result<Equation, std::string> parse_equation(const Node& node, Infos in)
{
    std::string eq;
    for (char c : node.attr_string("equation", ""))
        if (c != ' ')
            eq += c;
    Equation e;
    const auto arrow = eq.find("->");
    const std::string lhs = eq.substr(0, arrow);
    size_t start = 0;
    while (true)
    {
        const auto comma = lhs.find(',', start);
        e.terms.push_back(lhs.substr(start, comma - start));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    if (e.terms.size() != in.size() || in.size() > 2)
        return node_error(node, "equation '" + eq +
                                    "' must name one or two operands, as many "
                                    "as the node's inputs")
            .error();
    // An ellipsis stands for the same dims in every operand that has one (no broadcasting):
    // it becomes fresh labels.
    std::string ell;
    bool any_ell = false;
    for (size_t t = 0; t < e.terms.size(); ++t)
    {
        auto& term = e.terms[t];
        const auto pos = term.find("...");
        if (pos == std::string::npos)
            continue;
        const size_t letters = term.size() - 3;
        if (!in[t] || in[t]->shape.size() < letters)
            return node_error(node, "operand " + std::to_string(t) + " has fewer dims than '" +
                                        term + "' names")
                .error();
        const size_t n = in[t]->shape.size() - letters;
        if (any_ell && n != ell.size())
            return node_error(node,
                              "ellipses cover different numbers of dims (broadcasting "
                              "is unsupported)")
                .error();
        if (!any_ell)
            for (char c = 'A'; ell.size() < n && c <= 'z'; ++c)
                if (std::isalpha(static_cast<unsigned char>(c)) && eq.find(c) == std::string::npos)
                    ell += c;
        if (ell.size() != n)
            return node_error(node, "too many dims under the ellipsis").error();
        any_ell = true;
        term.replace(pos, 3, ell);
    }
    std::array<int, 128> count{};
    for (size_t t = 0; t < e.terms.size(); ++t)
    {
        std::array<int, 128> seen{};
        for (char c : e.terms[t])
        {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
                return node_error(node, "invalid character in equation '" + eq + "'").error();
            if (seen[static_cast<size_t>(c)]++)
                return node_error(node, std::string("label '") + c +
                                            "' repeated in one operand (diagonals) is "
                                            "unsupported")
                    .error();
            ++count[static_cast<size_t>(c)];
        }
        if (!in[t] || e.terms[t].size() != in[t]->shape.size())
            return node_error(node, "operand " + std::to_string(t) + " has rank " +
                                        std::to_string(in[t] ? in[t]->shape.size() : 0) +
                                        ", equation term '" + e.terms[t] + "'")
                .error();
    }
    if (arrow == std::string::npos)
    {
        // Implicit output: the ellipsis dims, then the labels used once, alphabetically.
        e.out = ell;
        for (int c = 0; c < 128; ++c)
            if (count[static_cast<size_t>(c)] == 1 &&
                ell.find(static_cast<char>(c)) == std::string::npos)
                e.out += static_cast<char>(c);
    }
    else
    {
        e.out = eq.substr(arrow + 2);
        if (const auto pos = e.out.find("..."); pos != std::string::npos)
            e.out.replace(pos, 3, ell);
    }
    std::array<int, 128> seen{};
    for (char c : e.out)
    {
        if (c < 0 || !count[static_cast<size_t>(c)] || seen[static_cast<size_t>(c)]++)
            return node_error(node,
                              "output '" + e.out + "' repeats a label or names one no operand has")
                .error();
    }
    if (e.terms.size() == 2)
        for (size_t t = 0; t < 2; ++t)
            for (char c : e.terms[t])
                if (e.terms[1 - t].find(c) == std::string::npos &&
                    e.out.find(c) == std::string::npos)
                    return node_error(node, std::string("label '") + c +
                                                "' of only one operand is summed away: an "
                                                "unsupported (not matmul-like) form")
                        .error();
    return e;
}

// Size of every label; error when the operands disagree.
Result<std::array<int64_t, 128>, std::string> label_sizes(const Node& node,
                                                          const Equation& e,
                                                          Infos in)
{
    std::array<int64_t, 128> size;
    size.fill(-1);
    for (size_t t = 0; t < e.terms.size(); ++t)
        for (size_t d = 0; d < e.terms[t].size(); ++d)
        {
            auto& s = size[static_cast<size_t>(e.terms[t][d])];
            const int64_t v = in[t]->shape[d];
            if (s >= 0 && s != v)
                return node_error(node, std::string("label '") + e.terms[t][d] + "' has sizes " +
                                            std::to_string(s) + " and " + std::to_string(v))
                    .error();
            s = v;
        }
    return size;
}

Status infer_einsum(const Node& node, Infos in, Outs out)
{
    if (auto st = require_float(node, in, in.size()); !st)
        return st;
    auto e = parse_equation(node, in);
    if (!e)
        return e.error();
    auto size = label_sizes(node, *e, in);
    if (!size)
        return size.error();
    out[0].dtype = DType::FLOAT;
    out[0].shape.clear();
    for (char c : e->out)
        out[0].shape.push_back((*size)[static_cast<size_t>(c)]);
    return Ok{};
}

// Strides (elements) of each label in `term` for a row-major tensor of `shape`.
std::array<int64_t, 128> label_strides(const std::string& term, std::span<const int64_t> shape)
{
    std::array<int64_t, 128> st{};
    const auto rs = row_major_strides(shape);
    for (size_t d = 0; d < term.size(); ++d)
        st[static_cast<size_t>(term[d])] = rs[d];
    return st;
}

// Copies src into dst in the row-major order of `labels` (dims from `size`, source strides
// from `st`).
void pack(const float* src,
          float* dst,
          const std::string& labels,
          const std::array<int64_t, 128>& size,
          const std::array<int64_t, 128>& st)
{
    std::vector<int64_t> dims;
    std::vector<int64_t> strides;
    int64_t n = 1;
    for (char c : labels)
    {
        dims.push_back(size[static_cast<size_t>(c)]);
        strides.push_back(st[static_cast<size_t>(c)]);
        n *= dims.back();
    }
    std::vector<int64_t> idx(dims.size(), 0);
    for (int64_t i = 0; i < n; ++i)
    {
        int64_t off = 0;
        for (size_t d = 0; d < dims.size(); ++d)
            off += idx[d] * strides[d];
        dst[i] = src[off];
        advance_index(idx, dims);
    }
}

Status run_einsum(const Node& node, Ins in, Results out)
{
    std::vector<ValueInfo> infos(in.size());
    std::vector<const ValueInfo*> ptrs;
    for (size_t k = 0; k < in.size(); ++k)
    {
        infos[k].dtype = in[k]->dtype;
        infos[k].shape = in[k]->shape;
        ptrs.push_back(&infos[k]);
    }
    const auto e = parse_equation(node, ptrs).value();
    const auto size = label_sizes(node, e, ptrs).value();
    Tensor& Y = out[0];
    float* y = Y.as<float>().data();
    const auto ost = label_strides(e.out, Y.shape);
    if (e.terms.size() == 1)
    {
        // Every input element added to its output element in input order (double sums).
        const Tensor& X = *in[0];
        std::vector<double> acc(static_cast<size_t>(Y.elements()), 0.0);
        std::vector<int64_t> idx(X.rank(), 0);
        const float* x = X.as<float>().data();
        for (int64_t i = 0; i < X.elements(); ++i)
        {
            int64_t o = 0;
            for (size_t d = 0; d < X.rank(); ++d)
                o += idx[d] * ost[static_cast<size_t>(e.terms[0][d])];
            acc[static_cast<size_t>(o)] += x[i];
            advance_index(idx, X.shape);
        }
        for (size_t i = 0; i < acc.size(); ++i)
            y[i] = to_float(acc[i]);
        canonicalize_nans(Y);
        return Ok{};
    }
    const std::string& ta = e.terms[0];
    const std::string& tb = e.terms[1];
    std::string batch, rows, cols, red;
    for (char c : e.out)
    {
        const bool a = ta.find(c) != std::string::npos;
        const bool b = tb.find(c) != std::string::npos;
        (a && b ? batch : a ? rows : cols) += c;
    }
    for (char c : ta)
        if (e.out.find(c) == std::string::npos)
            red += c;
    auto prod = [&](const std::string& ls) {
        int64_t n = 1;
        for (char c : ls)
            n *= size[static_cast<size_t>(c)];
        return n;
    };
    const int64_t NB = prod(batch), M = prod(rows), N = prod(cols), K = prod(red);
    if (NB * M * N == 0)
        return Ok{};
    std::vector<float> a(static_cast<size_t>(NB * M * K));
    std::vector<float> b(static_cast<size_t>(NB * K * N));
    std::vector<float> c(static_cast<size_t>(NB * M * N), 0.0f);
    pack(in[0]->as<float>().data(), a.data(), batch + rows + red, size,
         label_strides(ta, in[0]->shape));
    pack(in[1]->as<float>().data(), b.data(), batch + red + cols, size,
         label_strides(tb, in[1]->shape));
    if (K > 0)
        for (int64_t t = 0; t < NB; ++t)
            sgemm(M, N, K, a.data() + t * M * K, K, 1, b.data() + t * K * N, N, 1,
                  c.data() + t * M * N);
    // Scatter [batch, rows, cols] into the output's label order.
    const std::string order = batch + rows + cols;
    std::vector<int64_t> dims;
    for (char ch : order)
        dims.push_back(size[static_cast<size_t>(ch)]);
    std::vector<int64_t> idx(dims.size(), 0);
    for (size_t i = 0; i < c.size(); ++i)
    {
        int64_t off = 0;
        for (size_t d = 0; d < dims.size(); ++d)
            off += idx[d] * ost[static_cast<size_t>(order[d])];
        y[off] = c[i];
        advance_index(idx, dims);
    }
    canonicalize_nans(Y);
    return Ok{};
}

// Two operands: one MAC per (batch, row, column, contracted) tuple; one operand: elements.
OpCost cost_einsum(const Node& node, Infos in, std::span<const ValueInfo> out)
{
    OpCost c;
    for (const auto* vi : in)
        if (vi)
            c.elements += static_cast<uint64_t>(vi->elements());
    c.elements += static_cast<uint64_t>(out[0].elements());
    if (in.size() != 2)
        return c;
    auto e = parse_equation(node, in);
    auto size = e ? label_sizes(node, *e, in)
                  : Result<std::array<int64_t, 128>, std::string>(std::string("unparsed"));
    if (!size)
        return c;
    std::array<bool, 128> used{};
    uint64_t macs = 1;
    for (const auto& t : e->terms)
        for (char ch : t)
            if (!used[static_cast<size_t>(ch)])
            {
                used[static_cast<size_t>(ch)] = true;
                macs = sat_mul(macs, static_cast<uint64_t>((*size)[static_cast<size_t>(ch)]));
            }
    c.gemm_macs = macs;  // two operands run as a batched sgemm
    return c;
}

constexpr OpDef kEinsumOps[] = {
    {"Einsum", 1, 2, 1, 1, infer_einsum, run_einsum, cost_einsum},
};

}  // namespace

std::span<const OpDef> einsum_ops() noexcept
{
    return kEinsumOps;
}

}  // namespace tern::ml
