#pragma once

// Test helper: a Node started on a free port for a test fixture.

#include "node/node.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

namespace tern::node::test {

/// Starts a node with `c` on a free port and 2 RPC threads, after `setup` (a hook, e.g. one
/// serving a method table with Node::serve) when given; sets `port`. Fails the test (and
/// returns the node unstarted) if it cannot start.
inline std::unique_ptr<Node> start_test_node(NodeConfig c,
                                             uint16_t& port,
                                             std::function<void(Node&)> setup = nullptr)
{
    c.port = 0;
    c.rpc_threads = 2;
    auto node = std::make_unique<Node>(c);
    if (setup)
        node->add_setup(std::move(setup));
    const auto r = node->start();
    EXPECT_TRUE(r) << r.error();
    port = r ? *r : 0;
    return node;
}

}  // namespace tern::node::test
