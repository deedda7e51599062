// Rootless: brig-oci run by an unprivileged user.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class RootlessTest : public RuntimeTest {};

TEST_F(RootlessTest, UnprivilegedUserRunsAContainer) {
    if (runtime_is_runc()) GTEST_SKIP() << "exercised with brig-oci";
    const std::string uid = "54321";
    auto as_user = [&](std::vector<std::string> argv) {
        std::vector<std::string> full{"setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"};
        full.insert(full.end(), argv.begin(), argv.end());
        return full;
    };
    Container c;
    // The user's own bundle and state root.
    fs::path state = c.dir() / "user-state";
    fs::create_directories(state);
    ASSERT_TRUE(run_process({"chown", "-R", uid + ":" + uid, c.bundle().string(), state.string()}).ok());
    fs::remove(c.bundle() / "config.json");
    auto spec = run_process(as_user({runtime_path(), "spec", "--rootless", "--bundle", c.bundle().string()}));
    ASSERT_TRUE(spec.ok()) << spec;
    json cfg = json::parse(read_text(c.bundle() / "config.json"));
    EXPECT_EQ(cfg["linux"]["uidMappings"][0]["hostID"], std::stoi(uid));
    cfg["process"]["terminal"] = false;
    cfg["process"]["args"] = {"sh", "-c", "id -u; cat /proc/self/uid_map"};
    write_text(c.bundle() / "config.json", cfg.dump());
    auto r = run_process(as_user({runtime_path(), "--root", state.string(), "run", "--bundle", c.bundle().string(),
                                  "rootless1"}));
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("0\n"));
    EXPECT_THAT(r.out, HasSubstr("0      " + uid));
    EXPECT_TRUE(fs::is_empty(state)) << "state left behind";

    // What needs privileges fails clearly: a memory limit without a delegated cgroup.
    cfg["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}};
    cfg["linux"]["cgroupsPath"] = "/brig-test/rootless2";
    write_text(c.bundle() / "config.json", cfg.dump());
    r = run_process(as_user({runtime_path(), "--root", state.string(), "run", "--bundle", c.bundle().string(),
                             "rootless2"}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("delegated"));
    EXPECT_TRUE(fs::is_empty(state)) << "state left behind";
}

}  // namespace
}  // namespace brig::it
