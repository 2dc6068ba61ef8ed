#include "api/handlers/debug_api.hpp"

#include "chain/dev_accounts.hpp"
#include "core/hex.hpp"
#include "execution/host.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace tern;
using namespace tern::node;
using namespace tern::api;
using namespace tern::node::test;
using nlohmann::json;

namespace {

// Test contracts (solc 0.8.37, optimizer 200 runs, evmVersion cancun):
//
//   contract Child {
//       uint256 public value;
//       event Stored(uint256 v);
//       function store(uint256 v) external returns (uint256) { value = v; emit Stored(v); return v
//       * 2; } function fail(uint256 v) external pure { require(v > 100, "too small"); } function
//       divide(uint256 a, uint256 b) external pure returns (uint256) { return a / b; }
//   }
//   contract Parent {
//       Child public child;
//       uint256 public counter;
//       event Done(uint256 counter);
//       constructor() { child = new Child(); }
//       function run(uint256 v) external payable returns (uint256) {
//           counter += 1;
//           uint256 r = child.store(v);
//           try child.fail(v) {} catch {}
//           (bool ok, ) = address(child).staticcall(abi.encodeWithSignature("value()"));
//           require(ok);
//           emit Done(counter);
//           return r;
//       }
//       function boom() external { counter = 7; child.fail(1); }
//       function panic() external view returns (uint256) { return child.divide(1, 0); }
//       function spawn() external returns (address) { return address(new Child()); }
//       function pay(address payable to) external payable {
//           (bool ok, ) = to.call{value: msg.value}(""); require(ok, "pay failed");
//       }
//       function overdraw(address payable to) external {
//           (bool ok, ) = to.call{value: 1 ether}(""); require(!ok);
//       }
//   }
constexpr const char* kParentInit =
    "6080604052348015600e575f5ffd5b506040516019906055565b604051809103905ff0801580156031573d5f5f3e"
    "3d5ffd5b505f80546001600160a01b0319166001600160a01b03929092169190911790556062565b61020b806108"
    "5183390190565b6107e28061006f5f395ff3fe608060405260043610610079575f3560e01c806361bc221a116100"
    "4c57806361bc221a1461010e578063a169ce0914610123578063a444f5e914610137578063b547aeda1461014a57"
    "5f5ffd5b80630c11dedd1461007d578063237b5e96146100925780634700d305146100cd5780635ad0b75f146100"
    "ef575b5f5ffd5b61009061008b36600461050b565b61015e565b005b34801561009d575f5ffd5b505f546100b090"
    "6001600160a01b031681565b6040516001600160a01b0390911681526020015b60405180910390f35b3480156100"
    "d8575f5ffd5b506100e16101f2565b6040519081526020016100c4565b3480156100fa575f5ffd5b506100906101"
    "0936600461050b565b610269565b348015610119575f5ffd5b506100e160015481565b34801561012e575f5ffd5b"
    "506100906102cd565b6100e1610145366004610538565b61032c565b348015610155575f5ffd5b506100b06104d2"
    "565b5f816001600160a01b0316346040515f6040518083038185875af1925050503d805f81146101a75760405191"
    "50601f19603f3d011682016040523d82523d5f602084013e6101ac565b606091505b50509050806101ee57604051"
    "62461bcd60e51b815260206004820152600a6024820152691c185e4819985a5b195960b21b604482015260640160"
    "405180910390fd5b5050565b5f805460405163f88e9fbf60e01b8152600160048201526024810183905260016001"
    "60a01b039091169063f88e9fbf90604401602060405180830381865afa158015610240573d5f5f3e3d5ffd5b5050"
    "50506040513d601f19601f82011682018060405250810190610264919061054f565b905090565b5f816001600160"
    "a01b0316670de0b6b3a76400006040515f6040518083038185875af1925050503d805f81146102ba576040519150"
    "601f19603f3d011682016040523d82523d5f602084013e6102bf565b606091505b5050905080156101ee575f5ffd"
    "5b600760019081555f546040516304cb93cf60e21b815260048101929092526001600160a01b03169063132e4f3c"
    "906024015f6040518083038186803b158015610314575f5ffd5b505afa158015610326573d5f5f3e3d5ffd5b5050"
    "5050565b5f6001805f82825461033e9190610566565b90915550505f8054604051636057361d60e01b8152600481"
    "018590526001600160a01b0390911690636057361d906024016020604051808303815f875af115801561038b573d"
    "5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906103af919061054f565b5f5460"
    "40516304cb93cf60e21b8152600481018690529192506001600160a01b03169063132e4f3c906024015f60405180"
    "83038186803b1580156103f1575f5ffd5b505afa925050508015610402575060015b505f80546040805160048152"
    "6024810182526020810180516001600160e01b0316633fa4f24560e01b17905290516001600160a01b0390921691"
    "610446919061058b565b5f60405180830381855afa9150503d805f811461047e576040519150601f19603f3d0116"
    "82016040523d82523d5f602084013e610483565b606091505b5050905080610490575f5ffd5b7f6bb841348c5a71"
    "169a2db8779d29699afa576c107c1bf7c33c3193ae1e980ba26001546040516104c391815260200190565b604051"
    "80910390a15092915050565b5f6040516104df906104fe565b604051809103905ff0801580156104f8573d5f5f3e"
    "3d5ffd5b50905090565b61020b806105a283390190565b5f6020828403121561051b575f5ffd5b81356001600160"
    "a01b0381168114610531575f5ffd5b9392505050565b5f60208284031215610548575f5ffd5b5035919050565b5f"
    "6020828403121561055f575f5ffd5b5051919050565b8082018082111561058557634e487b7160e01b5f52601160"
    "045260245ffd5b92915050565b5f82518060208501845e5f92019182525091905056fe6080604052348015600e57"
    "5f5ffd5b506101ef8061001c5f395ff3fe608060405234801561000f575f5ffd5b506004361061004a575f3560e0"
    "1c8063132e4f3c1461004e5780633fa4f245146100635780636057361d1461007d578063f88e9fbf14610090575b"
    "5f5ffd5b61006161005c366004610140565b6100a3565b005b61006b5f5481565b60405190815260200160405180"
    "910390f35b61006b61008b366004610140565b6100e6565b61006b61009e366004610157565b61012e565b606481"
    "116100e35760405162461bcd60e51b81526020600482015260096024820152681d1bdbc81cdb585b1b60ba1b6044"
    "82015260640160405180910390fd5b50565b5f8181556040518281527fc6d8c0af6d21f291e7c359603aa97e0ed5"
    "00f04db6e983b9fce75a91c6b8da6b9060200160405180910390a1610128826002610177565b92915050565b5f61"
    "0139828461019a565b9392505050565b5f60208284031215610150575f5ffd5b5035919050565b5f5f6040838503"
    "1215610168575f5ffd5b50508035926020909101359150565b808202811582820484141761012857634e487b7160"
    "e01b5f52601160045260245ffd5b5f826101b457634e487b7160e01b5f52601260045260245ffd5b50049056fea2"
    "64697066735822122081e0360ea7581fffcc602c342fee92e34bde2169aeefe2ff3729965b2ae98a3c64736f6c63"
    "430008250033a264697066735822122087e1f7524fb33162faa9722360c52cd49838ac464341a53e3028bbdf5c2b"
    "908164736f6c634300082500336080604052348015600e575f5ffd5b506101ef8061001c5f395ff3fe6080604052"
    "34801561000f575f5ffd5b506004361061004a575f3560e01c8063132e4f3c1461004e5780633fa4f24514610063"
    "5780636057361d1461007d578063f88e9fbf14610090575b5f5ffd5b61006161005c366004610140565b6100a356"
    "5b005b61006b5f5481565b60405190815260200160405180910390f35b61006b61008b366004610140565b6100e6"
    "565b61006b61009e366004610157565b61012e565b606481116100e35760405162461bcd60e51b81526020600482"
    "015260096024820152681d1bdbc81cdb585b1b60ba1b604482015260640160405180910390fd5b50565b5f818155"
    "6040518281527fc6d8c0af6d21f291e7c359603aa97e0ed500f04db6e983b9fce75a91c6b8da6b90602001604051"
    "80910390a1610128826002610177565b92915050565b5f610139828461019a565b9392505050565b5f6020828403"
    "1215610150575f5ffd5b5035919050565b5f5f60408385031215610168575f5ffd5b505080359260209091013591"
    "50565b808202811582820484141761012857634e487b7160e01b5f52601160045260245ffd5b5f826101b457634e"
    "487b7160e01b5f52601260045260245ffd5b50049056fea264697066735822122081e0360ea7581fffcc602c342f"
    "ee92e34bde2169aeefe2ff3729965b2ae98a3c64736f6c63430008250033";

// Selectors.
constexpr const char* kRun = "a444f5e9";
constexpr const char* kBoom = "a169ce09";
constexpr const char* kPanic = "4700d305";
constexpr const char* kSpawn = "b547aeda";
constexpr const char* kPay = "0c11dedd";
constexpr const char* kOverdraw = "5ad0b75f";
constexpr const char* kCounter = "61bc221a";
constexpr const char* kStoreSel = "6057361d";
constexpr const char* kFailSel = "132e4f3c";

// Raw contract: SSTORE(0, 1); SSTORE(0, 0) (refund 19900); SELFDESTRUCT(0xbeef).
constexpr const char* kRefundRuntime = "6001600055600060005561beefff";
constexpr const char* kRefundInit = "600e80600b6000396000f36001600055600060005561beefff";

std::string word(uint64_t v)
{
    return to_hex(U256{v}.to_hash().view(), false);
}

std::string addr_word(const Address& a)
{
    return to_hex(U256::from_address(a).to_hash().view(), false);
}

/// ABI encoding of Error(string) for a short string.
std::string error_string(const std::string& s)
{
    std::string text =
        to_hex(BytesView{reinterpret_cast<const uint8_t*>(s.data()), s.size()}, false);
    text.resize(64, '0');
    return "0x08c379a0" + word(32) + word(s.size()) + text;
}

bool is_call_op(const std::string& op)
{
    return op == "CALL" || op == "CALLCODE" || op == "DELEGATECALL" || op == "STATICCALL";
}

/// Checks the gas bookkeeping of a struct log: within a frame gas[i+1] = gas[i] - gasCost[i]; after
/// a CALL's frame returns, gas = call.gas - call.gasCost + (gas the callee had left).
void check_gas_flow(const json& logs)
{
    std::vector<json> calls;
    for (size_t i = 1; i < logs.size(); ++i)
    {
        const json& a = logs[i - 1];
        const json& b = logs[i];
        const int64_t ad = a["depth"], bd = b["depth"];
        const int64_t ag = a["gas"], acost = a["gasCost"], bg = b["gas"];
        if (bd == ad)
        {
            if (!is_call_op(a["op"]) && a["op"] != "CREATE" && a["op"] != "CREATE2")
            {
                EXPECT_EQ(bg, ag - acost) << "step " << i << " after " << a.dump();
            }
        }
        else if (bd == ad + 1)
            calls.push_back(a);
        else
        {
            ASSERT_EQ(bd, ad - 1) << "step " << i;
            ASSERT_FALSE(calls.empty());
            const json call = calls.back();
            calls.pop_back();
            if (is_call_op(call["op"]))
            {
                EXPECT_EQ(
                    bg, call["gas"].get<int64_t>() - call["gasCost"].get<int64_t>() + (ag - acost))
                    << "return to step " << i << " from " << a.dump() << " call " << call.dump();
            }
        }
    }
}

class DebugApiTest : public ::testing::Test
{
protected:
    void SetUp() override { start(NodeConfig{}); }
    void TearDown() override { node_->stop(); }

    void start(NodeConfig c)
    {
        c.port = 0;
        c.rpc_threads = 2;
        node_ = std::make_unique<Node>(c);
        const auto r = node_->start();
        ASSERT_TRUE(r) << r.error();
        port_ = *r;
        accounts_ = chain::default_dev_accounts();
    }

    /// Sends a signed EIP-1559 transaction from dev account `from`; returns its hash.
    std::string send(size_t from,
                     std::optional<Address> to,
                     const std::string& data_hex,
                     uint64_t gas = 300'000,
                     U256 value = U256{})
    {
        Transaction t;
        t.type = TxType::DynamicFee;
        t.chain_id = 31337;
        t.nonce = nonces_[from]++;
        t.gas_limit = gas;
        t.to = to;
        t.value = value;
        t.data = *from_hex(data_hex);
        return result(port_, "eth_sendRawTransaction", {sign_raw(t, accounts_[from].secret_key)});
    }

    json receipt(const std::string& hash)
    {
        return result(port_, "eth_getTransactionReceipt", {hash});
    }

    /// Deploys Parent from account 0; returns its address (Child is at create_address(parent, 1)).
    Address deploy_parent()
    {
        deploy_hash_ = send(0, std::nullopt, std::string("0x") + kParentInit, 1'000'000);
        EXPECT_EQ(receipt(deploy_hash_)["status"], "0x1");
        parent_ = execution::create_address(accounts_[0].address, nonces_[0] - 1);
        child_ = execution::create_address(parent_, 1);
        return parent_;
    }

    json trace_tx(const std::string& hash, json config = nullptr)
    {
        json p = json::array({hash});
        if (!config.is_null())
            p.push_back(std::move(config));
        return result(port_, "debug_traceTransaction", p);
    }

    std::string hex(const Address& a) const { return to_hex(a.view()); }

    std::unique_ptr<Node> node_;
    uint16_t port_ = 0;
    std::vector<chain::DevAccount> accounts_;
    std::map<size_t, uint64_t> nonces_;
    std::string deploy_hash_;
    Address parent_;
    Address child_;
};

const json kCallTracer = {{"tracer", "callTracer"}};

TEST_F(DebugApiTest, CallTracerNestedCallsRevertAndStaticCall)
{
    deploy_parent();
    const std::string input = std::string("0x") + kRun + word(5);
    const auto hash = send(0, parent_, input);
    const auto rc = receipt(hash);
    ASSERT_EQ(rc["status"], "0x1");

    const json t = trace_tx(hash, kCallTracer);
    EXPECT_EQ(t["type"], "CALL");
    EXPECT_EQ(t["from"], hex(accounts_[0].address));
    EXPECT_EQ(t["to"], hex(parent_));
    EXPECT_EQ(t["value"], "0x0");
    EXPECT_EQ(t["gas"], "0x493e0");
    EXPECT_EQ(t["gasUsed"], rc["gasUsed"]);  // the traced replay matches the original execution
    EXPECT_EQ(t["input"], input);
    EXPECT_EQ(t["output"], "0x" + word(10));
    EXPECT_FALSE(t.contains("error"));
    EXPECT_FALSE(t.contains("logs"));
    ASSERT_EQ(t["calls"].size(), 3u);

    const json& store = t["calls"][0];
    EXPECT_EQ(store["type"], "CALL");
    EXPECT_EQ(store["from"], hex(parent_));
    EXPECT_EQ(store["to"], hex(child_));
    EXPECT_EQ(store["value"], "0x0");
    EXPECT_EQ(store["input"], std::string("0x") + kStoreSel + word(5));
    EXPECT_EQ(store["output"], "0x" + word(10));
    EXPECT_FALSE(store.contains("calls"));
    EXPECT_LT(qty(store["gasUsed"]), qty(store["gas"]));

    const json& fail = t["calls"][1];
    EXPECT_EQ(fail["type"], "STATICCALL");  // a pure function
    EXPECT_FALSE(fail.contains("value"));
    EXPECT_EQ(fail["input"], std::string("0x") + kFailSel + word(5));
    EXPECT_EQ(fail["error"], "execution reverted");
    EXPECT_EQ(fail["revertReason"], "too small");
    EXPECT_EQ(fail["output"], error_string("too small"));

    const json& view = t["calls"][2];
    EXPECT_EQ(view["type"], "STATICCALL");
    EXPECT_FALSE(view.contains("value"));
    EXPECT_EQ(view["input"], "0x3fa4f245");
    EXPECT_EQ(view["output"], "0x" + word(5));

    // onlyTopCall drops the sub-calls; withLog adds logs with their position among the calls.
    const json top =
        trace_tx(hash, {{"tracer", "callTracer"}, {"tracerConfig", {{"onlyTopCall", true}}}});
    EXPECT_FALSE(top.contains("calls"));
    EXPECT_EQ(top["gasUsed"], rc["gasUsed"]);
    const json logs =
        trace_tx(hash, {{"tracer", "callTracer"}, {"tracerConfig", {{"withLog", true}}}});
    ASSERT_EQ(logs["logs"].size(), 1u);
    EXPECT_EQ(logs["logs"][0]["address"], hex(parent_));
    EXPECT_EQ(logs["logs"][0]["data"], "0x" + word(1));
    EXPECT_EQ(logs["logs"][0]["position"], "0x3");
    EXPECT_EQ(logs["logs"][0]["index"], "0x1");  // the receipt's logIndex: after Stored
    ASSERT_EQ(logs["calls"][0]["logs"].size(), 1u);
    EXPECT_EQ(logs["calls"][0]["logs"][0]["address"], hex(child_));
    EXPECT_EQ(logs["calls"][0]["logs"][0]["data"], "0x" + word(5));
    EXPECT_EQ(logs["calls"][0]["logs"][0]["position"], "0x0");
    EXPECT_EQ(logs["calls"][0]["logs"][0]["index"], "0x0");
    EXPECT_EQ(logs["calls"][0]["logs"][0]["topics"].size(), 1u);
    const json both = trace_tx(
        hash,
        {{"tracer", "callTracer"}, {"tracerConfig", {{"withLog", true}, {"onlyTopCall", true}}}});
    EXPECT_FALSE(both.contains("calls"));
    ASSERT_EQ(both["logs"].size(), 1u);
    EXPECT_EQ(both["logs"][0]["position"], "0x0");  // no sub-calls collected
    EXPECT_EQ(both["logs"][0]["index"], "0x1");     // numbering unchanged
}

TEST_F(DebugApiTest, CallTracerRevertedTransaction)
{
    deploy_parent();
    const auto hash = send(0, parent_, std::string("0x") + kBoom);
    const auto rc = receipt(hash);
    ASSERT_EQ(rc["status"], "0x0");
    const json t =
        trace_tx(hash, {{"tracer", "callTracer"}, {"tracerConfig", {{"withLog", true}}}});
    EXPECT_EQ(t["gasUsed"], rc["gasUsed"]);
    EXPECT_EQ(t["error"], "execution reverted");
    EXPECT_EQ(t["revertReason"], "too small");
    EXPECT_EQ(t["output"], error_string("too small"));
    ASSERT_EQ(t["calls"].size(), 1u);
    EXPECT_EQ(t["calls"][0]["error"], "execution reverted");
    EXPECT_EQ(t["calls"][0]["revertReason"], "too small");
}

TEST_F(DebugApiTest, CallTracerCreations)
{
    deploy_parent();
    const auto rc = receipt(deploy_hash_);
    const json t = trace_tx(deploy_hash_, kCallTracer);
    EXPECT_EQ(t["type"], "CREATE");
    EXPECT_EQ(t["from"], hex(accounts_[0].address));
    EXPECT_EQ(t["to"], hex(parent_));
    EXPECT_EQ(t["gas"], "0xf4240");
    EXPECT_EQ(t["gasUsed"], rc["gasUsed"]);
    EXPECT_EQ(t["input"], std::string("0x") + kParentInit);
    EXPECT_EQ(t["output"], result(port_, "eth_getCode", {hex(parent_), "latest"}));
    ASSERT_EQ(t["calls"].size(), 1u);
    const json& c = t["calls"][0];
    EXPECT_EQ(c["type"], "CREATE");
    EXPECT_EQ(c["from"], hex(parent_));
    EXPECT_EQ(c["to"], hex(child_));
    EXPECT_EQ(c["value"], "0x0");
    EXPECT_EQ(c["output"], result(port_, "eth_getCode", {hex(child_), "latest"}));

    const auto spawn = send(0, parent_, std::string("0x") + kSpawn);
    const json s = trace_tx(spawn, kCallTracer);
    ASSERT_EQ(s["calls"].size(), 1u);
    EXPECT_EQ(s["calls"][0]["type"], "CREATE");
    EXPECT_EQ(s["calls"][0]["to"], hex(execution::create_address(parent_, 2)));
    EXPECT_EQ(s["output"], "0x" + addr_word(execution::create_address(parent_, 2)));
}

TEST_F(DebugApiTest, CallTracerValueTransfersAndLightFailures)
{
    deploy_parent();
    const Address beef = address_from_u64(0xbeef);
    const auto pay = send(0, parent_, std::string("0x") + kPay + addr_word(beef), 300'000, U256{7});
    const auto rc = receipt(pay);
    ASSERT_EQ(rc["status"], "0x1");
    const json t = trace_tx(pay, kCallTracer);
    EXPECT_EQ(t["value"], "0x7");
    EXPECT_EQ(t["gasUsed"], rc["gasUsed"]);
    ASSERT_EQ(t["calls"].size(), 1u);
    EXPECT_EQ(t["calls"][0]["type"], "CALL");
    EXPECT_EQ(t["calls"][0]["to"], hex(beef));
    EXPECT_EQ(t["calls"][0]["value"], "0x7");
    EXPECT_EQ(t["calls"][0]["input"], "0x");
    EXPECT_EQ(t["calls"][0]["gasUsed"], "0x0");
    EXPECT_FALSE(t["calls"][0].contains("output"));

    // A CALL with more value than the caller has fails without running: geth still shows it.
    const auto over = send(0, parent_, std::string("0x") + kOverdraw + addr_word(beef));
    const auto rc2 = receipt(over);
    ASSERT_EQ(rc2["status"], "0x1");
    const json o = trace_tx(over, kCallTracer);
    EXPECT_EQ(o["gasUsed"], rc2["gasUsed"]);
    ASSERT_EQ(o["calls"].size(), 1u);
    EXPECT_EQ(o["calls"][0]["error"], "insufficient balance for transfer");
    EXPECT_EQ(o["calls"][0]["value"], "0xde0b6b3a7640000");
    EXPECT_EQ(o["calls"][0]["gasUsed"], "0x0");
    // The struct logger's gas agrees with the receipt as well.
    EXPECT_EQ(trace_tx(over)["gas"], qty(rc2["gasUsed"]));
}

TEST_F(DebugApiTest, StructLoggerNestedCalls)
{
    deploy_parent();
    const std::string input = std::string("0x") + kRun + word(5);
    const auto hash = send(0, parent_, input);
    const auto rc = receipt(hash);
    const json t = trace_tx(hash);
    EXPECT_EQ(t["gas"], qty(rc["gasUsed"]));
    EXPECT_EQ(t["failed"], false);
    EXPECT_EQ(t["returnValue"], "0x" + word(10));
    const json& logs = t["structLogs"];
    ASSERT_GT(logs.size(), 100u);

    // First steps: the transaction's gas after the intrinsic cost (21000 + 5*16 + 31*4).
    EXPECT_EQ(logs[0]["pc"], 0);
    EXPECT_EQ(logs[0]["op"], "PUSH1");
    EXPECT_EQ(logs[0]["depth"], 1);
    EXPECT_EQ(logs[0]["gas"], 300'000 - 21'204);
    EXPECT_EQ(logs[0]["gasCost"], 3);
    EXPECT_EQ(logs[0]["stack"], json::array());
    EXPECT_FALSE(logs[0].contains("memory"));
    EXPECT_FALSE(logs[0].contains("storage"));
    EXPECT_FALSE(logs[0].contains("error"));
    EXPECT_EQ(logs[1]["stack"], json::array({"0x80"}));
    EXPECT_EQ(logs[1]["op"], "PUSH1");
    EXPECT_EQ(logs[2]["op"], "MSTORE");
    EXPECT_EQ(logs[2]["stack"], json::array({"0x80", "0x40"}));
    EXPECT_EQ(logs[2]["gasCost"], 12);  // 3 + memory growth to 3 words
    check_gas_flow(logs);

    // Depths, the first step of the sub-call gets the gas the callTracer reports.
    const json calls = trace_tx(hash, kCallTracer);
    std::vector<int64_t> child_first_gas;
    std::set<int64_t> depths;
    for (size_t i = 0; i < logs.size(); ++i)
    {
        depths.insert(logs[i]["depth"].get<int64_t>());
        if (i > 0 && logs[i]["depth"] == 2 && logs[i - 1]["depth"] == 1)
            child_first_gas.push_back(logs[i]["gas"]);
    }
    EXPECT_EQ(depths, (std::set<int64_t>{1, 2}));
    ASSERT_EQ(child_first_gas.size(), 3u);
    for (size_t i = 0; i < 3; ++i)
        EXPECT_EQ(child_first_gas[i], static_cast<int64_t>(qty(calls["calls"][i]["gas"])));

    // Storage: SLOAD/SSTORE show the slots of the running contract seen so far.
    std::vector<json> storage_steps;
    for (const auto& l : logs)
        if (l["op"] == "SLOAD" || l["op"] == "SSTORE")
            storage_steps.push_back(l);
    ASSERT_GE(storage_steps.size(), 3u);
    for (const auto& l : storage_steps)
        EXPECT_TRUE(l.contains("storage")) << l.dump();
    // Parent: SLOAD counter (slot 1, value 0), SSTORE counter = 1.
    EXPECT_EQ(storage_steps[0]["op"], "SLOAD");
    EXPECT_EQ(storage_steps[0]["storage"], json({{word(1), word(0)}}));
    EXPECT_EQ(storage_steps[1]["op"], "SSTORE");
    EXPECT_EQ(storage_steps[1]["storage"], json({{word(1), word(1)}}));
    // Child (depth 2): SSTORE value = 5 in its own storage.
    bool child_store = false;
    for (const auto& l : storage_steps)
        if (l["depth"] == 2 && l["op"] == "SSTORE")
        {
            child_store = true;
            EXPECT_EQ(l["storage"], json({{word(0), word(5)}}));
            EXPECT_EQ(l["gasCost"], 22'100);  // cold slot, 0 -> non-zero
        }
    EXPECT_TRUE(child_store);

    // The reverted sub-call's REVERT step carries no error (geth reports it on the frame).
    for (const auto& l : logs)
        EXPECT_FALSE(l.contains("error")) << l.dump();
    EXPECT_EQ(logs.back()["op"], "RETURN");
    EXPECT_EQ(logs.back()["depth"], 1);
}

TEST_F(DebugApiTest, StructLoggerOptions)
{
    deploy_parent();
    const auto hash = send(0, parent_, std::string("0x") + kRun + word(5));
    const json plain = trace_tx(hash)["structLogs"];

    const json no_stack = trace_tx(hash, {{"disableStack", true}})["structLogs"];
    ASSERT_EQ(no_stack.size(), plain.size());
    for (const auto& l : no_stack)
        EXPECT_FALSE(l.contains("stack"));

    const json no_storage = trace_tx(hash, {{"disableStorage", true}})["structLogs"];
    for (const auto& l : no_storage)
        EXPECT_FALSE(l.contains("storage"));

    const json mem = trace_tx(hash, {{"enableMemory", true}})["structLogs"];
    EXPECT_FALSE(mem[0].contains("memory"));  // empty memory is omitted
    EXPECT_FALSE(mem[2].contains("memory"));  // memory before the step
    ASSERT_TRUE(mem[3].contains("memory"));   // after MSTORE(0x40, 0x80)
    EXPECT_EQ(mem[3]["memory"], json::array({word(0), word(0), word(0x80)}));
    EXPECT_FALSE(plain[3].contains("memory"));

    const json rdata = trace_tx(hash, {{"enableReturnData", true}})["structLogs"];
    bool seen = false;
    for (size_t i = 0; i < rdata.size(); ++i)
        if (rdata[i].contains("returnData"))
        {
            seen = true;
            EXPECT_EQ(rdata[i]["depth"], 1);
        }
    EXPECT_TRUE(seen);
    for (const auto& l : plain)
        EXPECT_FALSE(l.contains("returnData"));

    const json limited = trace_tx(hash, {{"limit", 5}});
    EXPECT_EQ(limited["structLogs"].size(), 5u);
    EXPECT_EQ(limited["returnValue"], "0x" + word(10));  // execution still runs to the end
    for (size_t i = 0; i < 4; ++i)
        EXPECT_EQ(limited["structLogs"][i], plain[i]);
}

TEST_F(DebugApiTest, StructLoggerRefundAndSelfdestruct)
{
    const auto deploy = send(0, std::nullopt, std::string("0x") + kRefundInit, 100'000);
    ASSERT_EQ(receipt(deploy)["status"], "0x1");
    const Address r = execution::create_address(accounts_[0].address, 0);
    const auto hash = send(0, r, "0x", 100'000);
    const auto rc = receipt(hash);
    ASSERT_EQ(rc["status"], "0x1");
    const json t = trace_tx(hash);
    EXPECT_EQ(t["gas"], qty(rc["gasUsed"]));
    const json& logs = t["structLogs"];
    ASSERT_EQ(logs.size(), 8u);
    const std::vector<std::string> ops = {"PUSH1", "PUSH1",  "SSTORE", "PUSH1",
                                          "PUSH1", "SSTORE", "PUSH2",  "SELFDESTRUCT"};
    const std::vector<int64_t> pcs = {0, 2, 4, 5, 7, 9, 10, 13};
    const std::vector<int64_t> costs = {3, 3, 22'100, 3, 3, 100, 3, 7'600};
    for (size_t i = 0; i < 8; ++i)
    {
        EXPECT_EQ(logs[i]["op"], ops[i]);
        EXPECT_EQ(logs[i]["pc"], pcs[i]);
        EXPECT_EQ(logs[i]["gasCost"], costs[i]) << i;
    }
    EXPECT_FALSE(logs[5].contains("refund"));
    EXPECT_EQ(logs[6]["refund"], 19'900);
    EXPECT_EQ(logs[7]["refund"], 19'900);
    EXPECT_EQ(logs[2]["storage"], json({{word(0), word(1)}}));
    EXPECT_EQ(logs[5]["storage"], json({{word(0), word(0)}}));
    check_gas_flow(logs);

    const json c = trace_tx(hash, kCallTracer);
    ASSERT_EQ(c["calls"].size(), 1u);
    const json& sd = c["calls"][0];
    EXPECT_EQ(sd["type"], "SELFDESTRUCT");
    EXPECT_EQ(sd["from"], hex(r));
    EXPECT_EQ(sd["to"], hex(address_from_u64(0xbeef)));
    EXPECT_EQ(sd["value"], "0x0");
    EXPECT_EQ(sd["gas"], "0x0");
    EXPECT_EQ(sd["gasUsed"], "0x0");
    EXPECT_EQ(sd["input"], "0x");
}

TEST_F(DebugApiTest, TraceCallErrorsAndOverrides)
{
    deploy_parent();
    const std::string from = hex(accounts_[0].address);
    const json call = {{"from", from}, {"to", hex(parent_)}, {"data", std::string("0x") + kPanic}};

    // A panic in the sub-call: decoded reason on both frames.
    const json p = result(port_, "debug_traceCall", {call, "latest", kCallTracer});
    EXPECT_EQ(p["error"], "execution reverted");
    ASSERT_EQ(p["calls"].size(), 1u);
    EXPECT_EQ(p["calls"][0]["revertReason"], "division or modulo by zero");
    EXPECT_EQ(p["calls"][0]["output"], "0x4e487b71" + word(0x12));
    const json sl = result(port_, "debug_traceCall", {call, "latest"});
    EXPECT_EQ(sl["failed"], true);
    EXPECT_EQ(sl["returnValue"], "0x4e487b71" + word(0x12));
    EXPECT_EQ(sl["gas"], qty(p["gasUsed"]));
    check_gas_flow(sl["structLogs"]);

    // State overrides: counter (slot 1) = 42.
    const json counter = {
        {"from", from}, {"to", hex(parent_)}, {"data", std::string("0x") + kCounter}};
    const json ov = {
        {"tracer", "callTracer"},
        {"stateOverrides", {{hex(parent_), {{"stateDiff", {{"0x" + word(1), "0x" + word(42)}}}}}}}};
    EXPECT_EQ(result(port_, "debug_traceCall", {counter, "latest", ov})["output"], "0x" + word(42));

    // Stack underflow: geth reports it on the step (with the constant gas) and on the frame.
    const std::string target = "0x0000000000000000000000000000000000001234";
    const json under = {{"from", from}, {"to", target}, {"gas", "0x7530"}};
    const json code_add = {{"stateOverrides", {{target, {{"code", "0x01"}}}}}};
    const json u = result(port_, "debug_traceCall", {under, "latest", code_add});
    EXPECT_EQ(u["failed"], true);
    EXPECT_EQ(u["gas"], 30'000);
    EXPECT_EQ(u["returnValue"], "0x");
    ASSERT_EQ(u["structLogs"].size(), 1u);
    EXPECT_EQ(u["structLogs"][0]["op"], "ADD");
    EXPECT_EQ(u["structLogs"][0]["gasCost"], 3);
    EXPECT_EQ(u["structLogs"][0]["error"], "stack underflow (0 <=> 2)");
    json code_add_call = code_add;
    code_add_call["tracer"] = "callTracer";
    const json uc = result(port_, "debug_traceCall", {under, "latest", code_add_call});
    EXPECT_EQ(uc["error"], "stack underflow (0 <=> 2)");
    EXPECT_EQ(uc["gasUsed"], "0x7530");

    // Undefined opcode: no error on the step, geth's message on the frame.
    json undef = {{"tracer", "callTracer"}, {"stateOverrides", {{target, {{"code", "0x0c"}}}}}};
    EXPECT_EQ(result(port_, "debug_traceCall", {under, "latest", undef})["error"],
              "invalid opcode: opcode 0xc not defined");
    undef.erase("tracer");
    const json us = result(port_, "debug_traceCall", {under, "latest", undef});
    EXPECT_EQ(us["structLogs"][0]["op"], "opcode 0xc not defined");
    EXPECT_FALSE(us["structLogs"][0].contains("error"));

    // Out of gas: the failing step has the error, the frame used all its gas.
    const json oog = {{"from", from},
                      {"to", hex(parent_)},
                      {"gas", "0x61a8"},
                      {"data", std::string("0x") + kRun + word(5)}};
    const json o = result(port_, "debug_traceCall", {oog, "latest"});
    EXPECT_EQ(o["failed"], true);
    EXPECT_EQ(o["gas"], 25'000);
    EXPECT_EQ(o["structLogs"].back()["error"], "out of gas");
    const json oc = result(port_, "debug_traceCall", {oog, "latest", kCallTracer});
    EXPECT_EQ(oc["error"], "out of gas");
    EXPECT_EQ(oc["gasUsed"], "0x61a8");
}

TEST_F(DebugApiTest, TraceBlockAndLaterTransactionsOfABlock)
{
    node_->stop();
    NodeConfig c;
    c.block_time = 3600;  // blocks only on evm_mine
    c.wait_for_inclusion = false;
    start(c);
    const auto deploy = send(0, std::nullopt, std::string("0x") + kParentInit, 1'000'000);
    result(port_, "evm_mine", json::array());
    parent_ = execution::create_address(accounts_[0].address, 0);
    // Three transactions in one block; the third sees the first two's state changes.
    const auto a = send(0, parent_, std::string("0x") + kRun + word(5));
    const auto b = send(1, parent_, std::string("0x") + kRun + word(6));
    const auto d = send(0, parent_, std::string("0x") + kRun + word(7));
    result(port_, "evm_mine", json::array());
    ASSERT_EQ(receipt(d)["blockNumber"], "0x2");
    ASSERT_EQ(receipt(a)["blockNumber"], "0x2");

    const json t = trace_tx(d);
    EXPECT_EQ(t["gas"], qty(receipt(d)["gasUsed"]));
    // Parent's counter SLOAD sees 2 (two earlier runs in the block).
    bool seen = false;
    for (const auto& l : t["structLogs"])
        if (l["op"] == "SLOAD" && l["depth"] == 1)
        {
            EXPECT_EQ(l["storage"], json({{word(1), word(2)}}));
            seen = true;
            break;
        }
    EXPECT_TRUE(seen);

    const json blk = result(port_, "debug_traceBlockByNumber", {"0x2", kCallTracer});
    ASSERT_EQ(blk.size(), 3u);
    const std::vector<std::string> hashes = {a, b, d};
    for (size_t i = 0; i < 3; ++i)
    {
        EXPECT_EQ(blk[i]["txHash"], hashes[i]);
        EXPECT_EQ(blk[i]["result"]["gasUsed"], receipt(hashes[i])["gasUsed"]);
        EXPECT_EQ(blk[i]["result"], trace_tx(hashes[i], kCallTracer));
    }
    EXPECT_EQ(blk[1]["result"]["from"], hex(accounts_[1].address));
    // Log indices continue over the block (two logs per run), as in the receipts.
    const json with_log = {{"tracer", "callTracer"}, {"tracerConfig", {{"withLog", true}}}};
    const json third = trace_tx(d, with_log);
    EXPECT_EQ(third["calls"][0]["logs"][0]["index"], "0x4");
    EXPECT_EQ(third["logs"][0]["index"], "0x5");
    EXPECT_EQ(third["logs"][0]["index"], receipt(d)["logs"][1]["logIndex"]);
    EXPECT_EQ(result(port_, "debug_traceBlockByNumber", {"0x2", with_log})[2]["result"], third);
    const auto block_hash = receipt(d)["blockHash"];
    EXPECT_EQ(result(port_, "debug_traceBlockByHash", {block_hash, kCallTracer}), blk);
    EXPECT_EQ(result(port_, "debug_traceBlockByNumber", {"0x1"}).size(), 1u);
    EXPECT_EQ(result(port_, "debug_traceBlockByNumber", {"0x1"})[0]["txHash"], deploy);
}

TEST_F(DebugApiTest, FailedCreations)
{
    const std::string from = hex(accounts_[0].address);
    // Init code that reverts: a CREATE frame with the error and without `to`.
    const json reverting = {{"from", from}, {"data", "0x60006000fd"}, {"gas", "0x186a0"}};
    const json r = result(port_, "debug_traceCall", {reverting, "latest", kCallTracer});
    EXPECT_EQ(r["type"], "CREATE");
    EXPECT_EQ(r["error"], "execution reverted");
    EXPECT_FALSE(r.contains("to"));
    EXPECT_FALSE(r.contains("output"));
    // Init code returning 1000 bytes with too little gas left for the code deposit.
    const json deposit = {{"from", from}, {"data", "0x6103e86000f3"}, {"gas", "0x186a0"}};
    const json d = result(port_, "debug_traceCall", {deposit, "latest", kCallTracer});
    EXPECT_EQ(d["error"], "contract creation code storage out of gas");
    EXPECT_EQ(d["gasUsed"], "0x186a0");
    EXPECT_FALSE(d.contains("to"));
    const json s = result(port_, "debug_traceCall", {deposit, "latest"});
    EXPECT_EQ(s["failed"], true);
    EXPECT_EQ(s["returnValue"], "0x");
    EXPECT_EQ(s["structLogs"].back()["op"], "RETURN");
    EXPECT_FALSE(s["structLogs"].back().contains("error"));  // the step itself succeeded
    // With enough gas: the created address and the deployed code.
    json ok = deposit;
    ok["gas"] = "0x7a120";
    const json o = result(port_, "debug_traceCall", {ok, "latest", kCallTracer});
    EXPECT_FALSE(o.contains("error"));
    EXPECT_EQ(o["to"], hex(execution::create_address(accounts_[0].address, 0)));
    EXPECT_EQ(o["output"], "0x" + std::string(2000, '0'));
}

TEST_F(DebugApiTest, CallTracerLogsOfRevertedFramesTakeNoIndex)
{
    // A: LOG0, CALL B (B: LOG0, REVERT), LOG0, STOP.
    const std::string a = "0x000000000000000000000000000000000000aaaa";
    const std::string b = "0x000000000000000000000000000000000000bbbb";
    const json overrides = {
        {a, {{"code", "0x60006000a06000600060006000600061bbbb61fffff15060006000a000"}}},
        {b, {{"code", "0x60006000a060006000fd"}}}};
    const json call = {{"from", hex(accounts_[0].address)}, {"to", a}};
    const json t = result(port_, "debug_traceCall",
                          {call,
                           "latest",
                           {{"tracer", "callTracer"},
                            {"tracerConfig", {{"withLog", true}}},
                            {"stateOverrides", overrides}}});
    ASSERT_EQ(t["calls"].size(), 1u);
    EXPECT_EQ(t["calls"][0]["error"], "execution reverted");
    EXPECT_FALSE(t["calls"][0].contains("logs"));
    ASSERT_EQ(t["logs"].size(), 2u);
    EXPECT_EQ(t["logs"][0]["position"], "0x0");
    EXPECT_EQ(t["logs"][0]["index"], "0x0");
    EXPECT_EQ(t["logs"][1]["position"], "0x1");
    EXPECT_EQ(t["logs"][1]["index"], "0x1");
    EXPECT_EQ(t["logs"][1]["topics"], json::array());
    EXPECT_EQ(t["logs"][1]["data"], "0x");
}

TEST_F(DebugApiTest, Errors)
{
    const auto missing = call_rpc(port_, "debug_traceTransaction", {"0x" + word(1)});
    EXPECT_EQ(missing["error"]["code"], -32000);
    EXPECT_EQ(missing["error"]["message"], "transaction not found");
    const auto hash = send(0, address_from_u64(0xbeef), "0x", 21'000, U256{1});
    const auto bad = call_rpc(port_, "debug_traceTransaction", {hash, {{"tracer", "fooTracer"}}});
    EXPECT_EQ(bad["error"]["code"], -32000);
    const auto typed = call_rpc(port_, "debug_traceTransaction", {hash, {{"disableStack", "yes"}}});
    EXPECT_EQ(typed["error"]["code"], -32602);
    const auto genesis = call_rpc(port_, "debug_traceBlockByNumber", {"0x0"});
    EXPECT_EQ(genesis["error"]["message"], "genesis is not traceable");
    const auto none = call_rpc(port_, "debug_traceBlockByNumber", {"0x99"});
    EXPECT_EQ(none["error"]["code"], -32000);
    // A plain transfer: no steps, and the call tracer's top frame.
    const json t = trace_tx(hash);
    EXPECT_EQ(t["gas"], 21'000);
    EXPECT_EQ(t["structLogs"], json::array());
    EXPECT_EQ(t["returnValue"], "0x");
    const json c = trace_tx(hash, kCallTracer);
    EXPECT_EQ(c["gasUsed"], "0x5208");
    EXPECT_EQ(c["value"], "0x1");
    EXPECT_EQ(c["input"], "0x");
    EXPECT_FALSE(c.contains("output"));
    EXPECT_EQ(trace_tx(hash, {{"tracer", "noopTracer"}}), json::object());
}

}  // namespace
