// EIP-4844 point evaluation (precompile 0x0a): implementation in progress (kzg helper).
#include "crypto/kzg.hpp"
