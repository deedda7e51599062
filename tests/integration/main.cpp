// Entry point of the integration tests: names the runtime under test once per run.
#include <cstdio>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace {

class RuntimeBanner : public ::testing::Environment {
public:
    void SetUp() override {
        std::fprintf(stderr, "brig integration tests: runtime %s%s\n", brig::it::runtime_path().c_str(),
                     brig::it::runtime_is_runc() ? " (runc: brig-only checks are skipped)" : "");
    }
};

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new RuntimeBanner);
    return RUN_ALL_TESTS();
}
