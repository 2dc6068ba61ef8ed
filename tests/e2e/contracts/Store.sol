// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A value that changes over blocks (eth_call at past blocks) and the gas shapes estimateGas must handle.
contract Store {
    event ValueChanged(uint256 indexed oldValue, uint256 indexed newValue, address by);

    uint256 public value;
    mapping(uint256 => uint256) public slots;

    function set(uint256 v) external {
        emit ValueChanged(value, v, msg.sender);
        value = v;
    }

    /// Writes `n` fresh storage slots starting at `from`.
    function fill(uint256 from, uint256 n) external {
        for (uint256 i = 0; i < n; i++) slots[from + i] = i + 1;
    }

    /// Clears `n` slots starting at `from`: the refund makes gas used smaller than the gas needed.
    function clear(uint256 from, uint256 n) external {
        for (uint256 i = 0; i < n; i++) delete slots[from + i];
    }

    /// Needs far more gas than it uses: the call forwards 63/64 of what is left (EIP-150) and
    /// the callee insists on `minGas` being available.
    function relay(uint256 minGas, uint256 burn) external {
        (bool ok, ) = address(this).call(abi.encodeCall(this.picky, (minGas, burn)));
        require(ok, "inner call ran out of gas");
    }

    function picky(uint256 minGas, uint256 burn) external {
        require(gasleft() >= minGas, "picky: not enough gas");
        for (uint256 i = 0; i < burn; i++) slots[1_000_000 + i] = i + 1;
    }
}
