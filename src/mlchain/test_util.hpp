#pragma once

// Helpers for the ML precompile tests: call data builders, tiny ONNX models built with the
// protobuf API, and small EVM contracts that call the precompiles.

#include "core/abi.hpp"
#include "core/bytes.hpp"
#include "core/uint256.hpp"
#include "evm/host.hpp"
#include "ml/tensor.hpp"
#include "mlchain/ml_precompiles.hpp"

#include <onnx/onnx_pb.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace tern::mlchain::test {

/// The account the tests call from.
inline constexpr Address kCaller = address_from_u64(0xca11e7);

/// selector(signature) ++ the static words.
inline Bytes call_data(std::string_view signature, std::initializer_list<U256> words)
{
    return abi::encode_call(signature, std::span(words.begin(), words.size()));
}

/// selector ++ static words ++ one trailing dynamic bytes argument (its offset word included).
inline Bytes call_data_with_bytes(std::string_view signature,
                                  std::initializer_list<U256> words,
                                  BytesView tail)
{
    return abi::encode_call(signature, std::span(words.begin(), words.size()), tail);
}

inline Bytes begin_upload(const Hash256& h, uint64_t size)
{
    return call_data("beginUpload(bytes32,uint32)", {U256::from_hash(h), U256{size}});
}

inline Bytes upload_chunk(const Hash256& h, uint64_t offset, BytesView data)
{
    return call_data_with_bytes("uploadChunk(bytes32,uint32,bytes)",
                                {U256::from_hash(h), U256{offset}}, data);
}

inline Bytes finish_upload(const Hash256& h)
{
    return call_data("finishUpload(bytes32)", {U256::from_hash(h)});
}

inline Bytes infer_call(const Hash256& h, BytesView input)
{
    return call_data_with_bytes("infer(bytes32,bytes)", {U256::from_hash(h)}, input);
}

inline Bytes infer_cost_call(const Hash256& h, BytesView input)
{
    return call_data_with_bytes("inferCost(bytes32,bytes)", {U256::from_hash(h)}, input);
}

/// The Error(string) reason of a reverted result ("" if none).
inline std::string reason(const evm::ExecResult& r)
{
    if (r.status != evm::Status::Revert || r.output.size() < 4)
        return "";
    const auto s = abi::Reader{BytesView(r.output).subspan(4)}.bytes(0);
    return s ? std::string(s->begin(), s->end()) : "";
}

/// A model with one node `op` from input x (float [1,4]) to output y (float [1,4]).
inline Bytes single_op_model(const std::string& op)
{
    onnx::ModelProto m;
    m.set_ir_version(7);
    auto* opset = m.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    auto* g = m.mutable_graph();
    g->set_name("test");
    auto* node = g->add_node();
    node->set_op_type(op);
    node->add_input("x");
    node->add_output("y");
    for (const char* name : {"x", "y"})
    {
        auto* vi = std::string(name) == "x" ? g->add_input() : g->add_output();
        vi->set_name(name);
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(onnx::TensorProto::FLOAT);
        tt->mutable_shape()->add_dim()->set_dim_value(1);
        tt->mutable_shape()->add_dim()->set_dim_value(4);
    }
    std::string out;
    m.SerializeToString(&out);
    return Bytes(out.begin(), out.end());
}

/// Relu over float [1,4].
inline Bytes relu_model()
{
    return single_op_model("Relu");
}

/// The input the tests feed relu_model(); its output is {0, 1.5, 0, 4}.
inline std::vector<ml::Tensor> relu_input()
{
    return {
        ml::Tensor::from(ml::DType::FLOAT, {1, 4}, std::vector<float>{-1.0f, 1.5f, -2.5f, 4.0f})};
}

/// Runtime code that CALLs `target` with its own call data and all its gas, stores the
/// callee's success flag in slot 0 and keccak256(its output) in slot 1, then returns the
/// callee's output, or REVERTs with it when its storage slot 2 is non-zero (whatever the callee
/// did: an enclosing revert).
inline Bytes forwarder_code(const Address& target)
{
    // calldatacopy(0, 0, calldatasize); call(gas, target, 0, 0, calldatasize, 0, 0)
    Bytes c;
    c.reserve(64);
    for (uint8_t b : {0x36, 0x5f, 0x5f, 0x37, 0x5f, 0x5f, 0x36, 0x5f, 0x5f, 0x73})
        c.push_back(b);
    for (uint8_t b : target.bytes)
        c.push_back(b);
    for (uint8_t b : {0x5a, 0xf1,                          // gas call
                      0x5f, 0x55,                          // sstore(0, success)
                      0x3d, 0x5f, 0x5f, 0x3e,              // returndatacopy(0, 0, rds)
                      0x3d, 0x5f, 0x20, 0x60, 0x01, 0x55,  // sstore(1, keccak256(0, rds))
                      0x3d, 0x5f,                          // (0, rds) for return/revert
                      0x60, 0x02, 0x54, 0x60})             // sload(2) push1 <revert>
        c.push_back(b);
    c.push_back(static_cast<uint8_t>(c.size() + 3));
    for (uint8_t b : {0x57, 0xf3, 0x5b, 0xfd})  // jumpi; return; jumpdest revert
        c.push_back(b);
    return c;
}

}  // namespace tern::mlchain::test
