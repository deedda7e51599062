// Network integration tests: the process moves into a new network namespace and a new mount
// namespace (private propagation) before any test runs, so every bridge, address, nftables
// table, netns bind mount and DNS responder exists only there.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "network/rtnl.hpp"

bool g_isolated = false;

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    bool listing = false;
    for (int i = 1; i < argc; ++i)
        if (std::strstr(argv[i], "list_tests")) listing = true;
    if (!listing && ::geteuid() == 0) {
        if (::unshare(CLONE_NEWNET | CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
            brig::network::rtnl::set_up("lo"))
            g_isolated = true;
    }
    return RUN_ALL_TESTS();
}
