// Error paths: each fails with a non-zero exit, says on stderr what is at fault, and
// leaves nothing behind (state, mounts, cgroups).
#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

// Bad bundles, tried with both `create` and `run`.
class BadBundleTest : public RuntimeTest, public ::testing::WithParamInterface<std::string> {
protected:
    // Runs the command on the bundle as it is now (config.json already written).
    ProcResult attempt(Container& c) { return c.runtime({GetParam(), "--bundle", c.bundle().string(), c.id()}); }

    void expect_failure_naming(Container& c, const ProcResult& r, const std::string& thing,
                               const char* runc_reason = nullptr) {
        EXPECT_NE(r.exit_code, 0) << r;
        EXPECT_FALSE(r.err.empty()) << "no message on stderr";
        EXPECT_NE(c.state(c.id()).exit_code, 0) << "a failed " << GetParam() << " left a container";
        c.expect_nothing_left(c.id());
        if (runc_reason && runtime_is_runc() && r.err.find(thing) == std::string::npos)
            GTEST_SKIP() << runc_reason << " (stderr: " << r.err << ")";
        EXPECT_THAT(r.err, HasSubstr(thing));
    }
};

TEST_P(BadBundleTest, InvalidJson) {
    Container c;
    write_text(c.bundle() / "config.json", "{ \"ociVersion\": \"1.0.2\", oops");
    expect_failure_naming(c, attempt(c), "config.json", "runc does not name the file with the bad JSON");
}

TEST_P(BadBundleTest, MissingConfig) {
    Container c;
    fs::remove(c.bundle() / "config.json");
    expect_failure_naming(c, attempt(c), "config.json");
}

TEST_P(BadBundleTest, EmptyArgs) {
    Container c;
    c.set_args({});
    c.write_config(c.id());
    expect_failure_naming(c, attempt(c), "args");
}

TEST_P(BadBundleTest, MissingRootfs) {
    Container c;
    c.config()["root"]["path"] = "no-such-rootfs";
    c.write_config(c.id());
    expect_failure_naming(c, attempt(c), "no-such-rootfs");
}

TEST_P(BadBundleTest, MissingExecutable) {
    Container c;
    c.set_args({"/no/such/program"});
    c.write_config(c.id());
    auto r = attempt(c);
    if (GetParam() == "create" && r.ok()) {
        // A runtime may only find out at start (runc checks at create): then start must fail.
        auto s = c.start();
        EXPECT_NE(s.exit_code, 0) << s;
        EXPECT_THAT(s.err, HasSubstr("/no/such/program"));
        return;
    }
    expect_failure_naming(c, r, "/no/such/program");
}

// Fails late, after namespaces and the cgroup exist: all of it must be undone.
TEST_P(BadBundleTest, MissingBindMountSource) {
    Container c;
    c.add_mount({{"destination", "/mnt/missing"},
                 {"type", "bind"},
                 {"source", (c.dir() / "no-such-source").string()},
                 {"options", {"rbind", "ro"}}});
    c.write_config(c.id());
    expect_failure_naming(c, attempt(c), "no-such-source");
}

INSTANTIATE_TEST_SUITE_P(Commands, BadBundleTest, ::testing::Values("create", "run"),
                         [](const auto& info) { return info.param; });

// Commands on an id that does not exist.
class UnknownIdTest : public RuntimeTest, public ::testing::WithParamInterface<std::vector<std::string>> {};

TEST_P(UnknownIdTest, FailsAndNamesTheId) {
    Container c;
    std::string id = "no-such-" + c.id();
    std::vector<std::string> args = GetParam();
    args.insert(args.begin() + 1, id);
    auto r = c.runtime(args);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_FALSE(r.err.empty());
    EXPECT_FALSE(fs::exists(c.state_root() / id));
    if (runtime_is_runc() && r.err.find(id) == std::string::npos)
        GTEST_SKIP() << "runc says only \"container does not exist\" without the id";
    EXPECT_THAT(r.err, HasSubstr(id));
}

INSTANTIATE_TEST_SUITE_P(Commands, UnknownIdTest,
                         ::testing::Values(std::vector<std::string>{"state"}, std::vector<std::string>{"start"},
                                           std::vector<std::string>{"kill", "TERM"},
                                           std::vector<std::string>{"delete"}),
                         [](const auto& info) { return info.param[0]; });

class ErrorsTest : public RuntimeTest {};

TEST_F(ErrorsTest, DuplicateIdOnCreate) {
    Container c;
    c.set_args({"sleep", "100"});
    ASSERT_TRUE(c.create().ok());
    int pid = c.state_json()["pid"];
    auto r = c.create();
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_FALSE(r.err.empty());
    // The first container is untouched.
    json st = c.state_json();
    EXPECT_EQ(st["status"], "created");
    EXPECT_EQ(st["pid"], pid);
    EXPECT_TRUE(fs::exists("/proc/" + std::to_string(pid)));
    if (runtime_is_runc() && r.err.find(c.id()) == std::string::npos)
        GTEST_SKIP() << "runc says \"container with given ID already exists\" without the id";
    EXPECT_THAT(r.err, HasSubstr(c.id()));
}

TEST_F(ErrorsTest, InvalidContainerId) {
    Container c;
    auto r = c.runtime({"create", "--bundle", c.bundle().string(), "../escape"});
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_FALSE(fs::exists(c.dir() / "escape"));
    if (runtime_is_runc() && r.err.find("../escape") == std::string::npos)
        GTEST_SKIP() << "runc says \"invalid container ID format\" without the id";
    EXPECT_THAT(r.err, HasSubstr("../escape"));
}

TEST_F(ErrorsTest, UnknownCommand) {
    auto r = run_process({runtime_path(), "no-such-command"});
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err + r.out, HasSubstr("no-such-command"));
}

}  // namespace
}  // namespace brig::it
