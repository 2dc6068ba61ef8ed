// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// ERC-721 for the e2e suite: owner-only sequential minting, fixed base URI.
contract E2ENft is ERC721, Ownable {
    uint256 public nextId = 1;

    constructor() ERC721("E2E Collectible", "E2EC") Ownable(msg.sender) {}

    function mint(address to) external onlyOwner returns (uint256 id) {
        id = nextId++;
        _safeMint(to, id);
    }

    function _baseURI() internal pure override returns (string memory) {
        return "ipfs://e2e/";
    }
}
