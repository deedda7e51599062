// OCI hooks: order, state on stdin, namespaces, failures and timeouts.
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

class HooksTest : public RuntimeTest {};

json host_hook(const fs::path& log, const std::string& name) {
    // Appends the hook's name and the state it read on stdin to a log on the host.
    return {{"path", "/bin/sh"},
            {"args", {"sh", "-c", "printf '%s ' " + name + " >> " + log.string() + "; cat >> " + log.string() +
                                      "; echo >> " + log.string()}}};
}

TEST_F(HooksTest, AllSixRunInOrderWithTheState) {
    Container c;
    fs::path hostdir = c.add_bind("/hooklog", "hooklog", {"rbind", "rw"});
    fs::path log = hostdir / "log";
    json hooks;
    for (const char* h : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"})
        hooks[h] = json::array({host_hook(log, h)});
    // startContainer runs inside the container, after pivot_root: container paths.
    hooks["startContainer"] = json::array(
        {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "printf 'startContainer ' >> /hooklog/log; cat >> /hooklog/log; echo >> /hooklog/log"}}}});
    c.config()["hooks"] = hooks;
    c.config()["annotations"] = {{"org.example.key", "value"}};
    // poststart runs once start has released the process, concurrently with it: let the
    // process write later so the log's order is deterministic.
    c.set_args({"sh", "-c", "sleep 0.5; echo process >> /hooklog/log"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    std::string text = read_text(log);
    std::vector<std::string> order;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        order.push_back(line.substr(0, line.find(' ')));
        if (line != "process") {
            EXPECT_THAT(line, HasSubstr("\"id\":\"" + c.id() + "\"")) << line;
            EXPECT_THAT(line, HasSubstr("\"org.example.key\":\"value\"")) << line;
        }
    }
    EXPECT_EQ(order, (std::vector<std::string>{"prestart", "createRuntime", "createContainer", "startContainer",
                                               "poststart", "process", "poststop"}))
        << text;
}

TEST_F(HooksTest, FailingCreateRuntimeHookFailsCreateAndLeavesNothing) {
    Container c;
    c.config()["hooks"]["createRuntime"] = json::array({{{"path", "/bin/sh"}, {"args", {"sh", "-c", "exit 3"}}}});
    auto r = c.create();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("hooks.createRuntime[0]"));
    EXPECT_THAT(r.err, HasSubstr("exit status 3"));
    c.expect_nothing_left(c.id());
}

TEST_F(HooksTest, HookTimeoutKillsIt) {
    Container c;
    c.config()["hooks"]["prestart"] = json::array({{{"path", "/bin/sleep"}, {"args", {"sleep", "30"}}, {"timeout", 1}}});
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.create();
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("timed out"));
    EXPECT_LT(took, 10s);
    c.expect_nothing_left(c.id());
}


TEST_F(HooksTest, HooksRunInTheNamespacesTheSpecSays) {
    Container c;
    fs::path log = c.add_bind("/hooklog", "hooklog", {"rbind", "rw"}) / "ns";
    auto ns_hook = [&](const std::string& name) {
        return json{{"path", "/bin/sh"},
                    {"args", {"sh", "-c", "echo " + name + " $(readlink /proc/self/ns/net) >> " + log.string()}}};
    };
    c.config()["hooks"] = {{"createRuntime", {ns_hook("createRuntime")}},
                           {"createContainer", {ns_hook("createContainer")}},
                           {"poststart", {ns_hook("poststart")}}};
    c.set_args({"sh", "-c", "readlink /proc/self/ns/net > /hooklog/container"});
    auto r = c.run();
    ASSERT_TRUE(r.ok()) << r;
    std::string container = read_text(log.parent_path() / "container");
    std::string host = "net:[" + std::to_string(ns_inode("self", "net")) + "]";
    std::string text = read_text(log);
    EXPECT_THAT(text, HasSubstr("createRuntime " + host));
    EXPECT_THAT(text, HasSubstr("poststart " + host));
    EXPECT_THAT(text, HasSubstr("createContainer " + container.substr(0, container.size() - 1)));
    EXPECT_THAT(container, ::testing::Not(HasSubstr(host)));
}

}  // namespace
}  // namespace brig::it
