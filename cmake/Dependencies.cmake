# System dependencies, all from Debian packages (see scripts/setup).
include_guard(GLOBAL)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECP256K1 REQUIRED IMPORTED_TARGET libsecp256k1)
pkg_check_modules(CRYPTOPP REQUIRED IMPORTED_TARGET libcrypto++)
find_library(GMP_LIBRARY gmp REQUIRED)
find_path(GMP_INCLUDE_DIR gmp.h REQUIRED)
add_library(gmp::gmp UNKNOWN IMPORTED)
set_target_properties(gmp::gmp PROPERTIES IMPORTED_LOCATION ${GMP_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${GMP_INCLUDE_DIR})
find_package(nlohmann_json 3 REQUIRED)
find_package(simdjson REQUIRED)
find_package(CLI11 REQUIRED)
if(TERN_BUILD_TESTS)
    find_package(GTest REQUIRED)
endif()
if(TERN_BUILD_BENCH)
    find_package(benchmark REQUIRED)
endif()
# RocksDB (librocksdb-dev): the Debian CMake config pulls in optional compression deps, so
# import the library directly.
if(NOT TARGET RocksDB::rocksdb)
    find_library(ROCKSDB_LIBRARY rocksdb REQUIRED)
    find_path(ROCKSDB_INCLUDE_DIR rocksdb/db.h REQUIRED)
    add_library(RocksDB::rocksdb UNKNOWN IMPORTED)
    set_target_properties(RocksDB::rocksdb PROPERTIES IMPORTED_LOCATION ${ROCKSDB_LIBRARY}
        INTERFACE_INCLUDE_DIRECTORIES ${ROCKSDB_INCLUDE_DIR})
endif()
# Boost 1.81 (libboost1.81-dev): Beast/Asio are header-only (Boost.System too since 1.69).
find_package(Boost 1.81 REQUIRED)
find_package(Threads REQUIRED)
# Protobuf (libprotobuf-dev + protobuf-compiler): ABCI wire messages and ONNX models.
find_package(Protobuf REQUIRED)
# ONNX's protobuf messages (libonnx-dev): the ML engine parses models with them.
find_package(ONNX REQUIRED)
# libsodium (libsodium-dev): ed25519 keys for CometBFT validators.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# toml++ (libtomlplusplus-dev): node.toml and CometBFT's config.toml.
find_package(tomlplusplus 3 REQUIRED)
