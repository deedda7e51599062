// Transfer progress: plain lines off a terminal (start and outcome only), bars on one.
#include "image/registry/progress.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace brig::registry {
namespace {

std::string drain(FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    return out;
}

TEST(RegistryProgress, HumanSizes) {
    EXPECT_EQ(TransferProgress::human_size(0), "0B");
    EXPECT_EQ(TransferProgress::human_size(999), "999B");
    EXPECT_EQ(TransferProgress::human_size(1500), "1.5kB");
    EXPECT_EQ(TransferProgress::human_size(3400000), "3.4MB");
    EXPECT_EQ(TransferProgress::human_size(2e9), "2GB");
}

TEST(RegistryProgress, PlainLinesOffATerminal) {
    FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    {
        TransferProgress p(f, /*tty=*/false);
        size_t a = p.add("3f4d90098f5b", 1000, "Waiting");
        size_t b = p.add("aaaaaaaaaaaa", 10, "Already exists");
        p.set_status(b, "Already exists", true);
        p.set_status(a, "Downloading");
        p.set_bytes(a, 500);
        p.set_status(a, "Pull complete", true);
        p.finish();
    }
    EXPECT_EQ(drain(f), "aaaaaaaaaaaa: Already exists\n3f4d90098f5b: Downloading\n3f4d90098f5b: Pull complete\n");
    std::fclose(f);
}

TEST(RegistryProgress, BarsOnATerminal) {
    FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    {
        TransferProgress p(f, /*tty=*/true);
        size_t a = p.add("3f4d90098f5b", 2000000, "Downloading");
        p.set_bytes(a, 1000000);
        p.finish();
    }
    std::string out = drain(f);
    EXPECT_NE(out.find("3f4d90098f5b: Downloading [===============>"), std::string::npos) << out;
    EXPECT_NE(out.find("1MB/2MB"), std::string::npos) << out;
    std::fclose(f);
}

}  // namespace
}  // namespace brig::registry
