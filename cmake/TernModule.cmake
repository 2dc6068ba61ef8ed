# Helpers that keep every module's CMakeLists.txt to a few lines.
#
# tern_add_module(NAME <name> DEPS <libs...>)
#   Builds every *.cpp in the current folder (except *_test.cpp and *_fuzz.cpp) into the static
#   library tern_<name>, and every *_test.cpp beside it into the module's test executable
#   tern_<name>_tests, registered with CTest.
include_guard(GLOBAL)

function(tern_add_module)
    cmake_parse_arguments(ARG "" "NAME" "DEPS;TEST_DEPS" ${ARGN})
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
    set(lib_sources "")
    set(test_sources "")
    foreach(src IN LISTS sources)
        if(src MATCHES "_test\\.cpp$")
            list(APPEND test_sources ${src})
        elseif(src MATCHES "_fuzz\\.cpp$")
            # fuzz targets are built by fuzz/CMakeLists.txt
        else()
            list(APPEND lib_sources ${src})
        endif()
    endforeach()
    set(lib tern_${ARG_NAME})
    if(lib_sources)
        add_library(${lib} STATIC ${lib_sources})
        target_include_directories(${lib} PUBLIC ${PROJECT_SOURCE_DIR}/src)
        target_link_libraries(${lib} PUBLIC ${ARG_DEPS})
    else()
        add_library(${lib} INTERFACE)
        target_include_directories(${lib} INTERFACE ${PROJECT_SOURCE_DIR}/src)
        target_link_libraries(${lib} INTERFACE ${ARG_DEPS})
    endif()
    if(test_sources AND TERN_BUILD_TESTS)
        add_executable(${lib}_tests ${test_sources})
        target_link_libraries(${lib}_tests PRIVATE ${lib} ${ARG_TEST_DEPS} GTest::gtest_main)
        target_compile_definitions(${lib}_tests PRIVATE
            TERN_FIXTURES_DIR="${TERN_FIXTURES_DIR}")
        gtest_discover_tests(${lib}_tests DISCOVERY_TIMEOUT 60
            PROPERTIES ENVIRONMENT "TERN_FIXTURES_DIR=${TERN_FIXTURES_DIR}")
    endif()
endfunction()
