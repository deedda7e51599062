// The exec routes' pure parts: ExecConfig and ExecStartCheck bodies as the docker CLI sends
// them, the engine request, the inspect document, resize sizes and detach keys.
#include <gtest/gtest.h>

#include "api/exec_request.hpp"

namespace brig::api {
namespace {

using nlohmann::json;

TEST(ExecRequest, DockerCliBody) {
    // docker 20.10's `exec -i -e A=1 -e B -u 1000 -w /tmp c sh -c 'id'`.
    auto c = parse_exec_config(R"({"User":"1000","Privileged":false,"Tty":false,"AttachStdin":true,"AttachStderr":true,
        "AttachStdout":true,"Detach":false,"DetachKeys":"","Env":["A=1","B"],"WorkingDir":"/tmp","Cmd":["sh","-c","id"]})");
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_TRUE(c->attach_stdin && c->attach_stdout && c->attach_stderr);
    EXPECT_FALSE(c->tty || c->privileged || c->console_size);
    EXPECT_EQ(c->cmd, (std::vector<std::string>{"sh", "-c", "id"}));
    auto rq = to_exec_request(*c, "cid");
    EXPECT_EQ(rq.id, "cid");
    EXPECT_EQ(rq.cmd, c->cmd);
    EXPECT_EQ(rq.env, std::vector<std::string>{"A=1"});  // "B" (unset) is not for the runtime
    EXPECT_EQ(rq.user, "1000");
    EXPECT_EQ(rq.workdir, "/tmp");
    EXPECT_TRUE(rq.interactive);
    EXPECT_FALSE(rq.tty || rq.detach || rq.privileged);
}

TEST(ExecRequest, CmdStringTtyConsoleSizePrivileged) {
    auto c = parse_exec_config(R"({"Cmd":"top","Tty":true,"ConsoleSize":[24,80],"Privileged":true,"Env":null})");
    ASSERT_TRUE(c) << c.error().what();
    EXPECT_EQ(c->cmd, std::vector<std::string>{"top"});
    ASSERT_TRUE(c->console_size);
    EXPECT_EQ(*c->console_size, (ConsoleSize{24, 80}));
    auto rq = to_exec_request(*c, "x");
    EXPECT_TRUE(rq.tty && rq.privileged);
    EXPECT_EQ(rq.rows, 24);
    EXPECT_EQ(rq.cols, 80);
    rq = to_exec_request(*c, "x", ConsoleSize{30, 100});  // the start's size wins
    EXPECT_EQ(rq.rows, 30);
    EXPECT_EQ(rq.cols, 100);
}

TEST(ExecRequest, Refusals) {
    auto c = parse_exec_config(R"({"Cmd":[]})");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().message, "No exec command specified");
    EXPECT_FALSE(parse_exec_config(R"({"AttachStdin":true})"));
    c = parse_exec_config(R"({"Cmd":["sh"],"DetachKeys":"ctrl-1"})");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().message, "Invalid escape keys (ctrl-1) provided");
    c = parse_exec_config(R"({"Cmd":["sh"],"Tty":"yes"})");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("ExecConfig.Tty"), std::string::npos) << c.error().message;
    EXPECT_FALSE(parse_exec_config(R"({"Cmd":["sh"],"ConsoleSize":[24]})"));
    EXPECT_FALSE(parse_exec_config(R"({"Cmd":["sh"],"ConsoleSize":[-1,80]})"));
    EXPECT_FALSE(parse_exec_config("{not json"));
    EXPECT_FALSE(parse_exec_config("[1]"));
}

TEST(ExecRequest, StartBody) {
    auto s = parse_exec_start(R"({"Detach":false,"Tty":true})");
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_FALSE(s->detach);
    EXPECT_TRUE(s->tty);
    s = parse_exec_start("");
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->detach || s->tty || s->console_size);
    s = parse_exec_start(R"({"Detach":true,"ConsoleSize":[10,20]})");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->detach);
    EXPECT_EQ(s->console_size, (ConsoleSize{10, 20}));
    EXPECT_FALSE(parse_exec_start(R"({"Detach":"no"})"));
}

TEST(ExecRequest, InspectDocument) {
    ExecStatus st;
    st.id = "e1";
    st.container_id = "c1";
    st.config = *parse_exec_config(R"({"Cmd":["sh","-c","exit 7"],"AttachStdout":true,"User":"nobody"})");
    st.running = true;
    st.pid = 42;
    auto j = json::parse(exec_inspect_json(st).dump());
    EXPECT_EQ(j["ID"], "e1");
    EXPECT_EQ(j["ContainerID"], "c1");
    EXPECT_EQ(j["Running"], true);
    EXPECT_TRUE(j["ExitCode"].is_null());  // null while it runs
    EXPECT_EQ(j["Pid"], 42);
    EXPECT_EQ(j["OpenStdout"], true);
    EXPECT_EQ(j["OpenStdin"], false);
    EXPECT_EQ(j["OpenStderr"], false);
    EXPECT_EQ(j["CanRemove"], false);
    EXPECT_EQ(j["ProcessConfig"], json::parse(R"({"tty":false,"entrypoint":"sh","arguments":["-c","exit 7"],
        "privileged":false,"user":"nobody"})"));
    st.running = false;
    st.exit_code = 7;
    j = json::parse(exec_inspect_json(st).dump());
    EXPECT_EQ(j["ExitCode"], 7);
    EXPECT_EQ(j["Running"], false);
    EXPECT_EQ(j["CanRemove"], true);
    st.config.user.clear();
    EXPECT_FALSE(json::parse(exec_inspect_json(st).dump())["ProcessConfig"].contains("user"));
}

TEST(ExecRequest, ResizeSize) {
    auto s = parse_console_size("40", "120");
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(*s, (ConsoleSize{40, 120}));
    EXPECT_FALSE(parse_console_size(std::nullopt, "120"));
    EXPECT_FALSE(parse_console_size("40", "wide"));
    EXPECT_FALSE(parse_console_size("-1", "10"));
    EXPECT_FALSE(parse_console_size("70000", "10"));
}

TEST(ExecRequest, DetachKeys) {
    EXPECT_EQ(parse_detach_keys("").value(), "\x10\x11");  // docker's default, ctrl-p,ctrl-q
    EXPECT_EQ(parse_detach_keys("ctrl-a,x,DEL").value(), std::string("\x01x\x7f"));
    EXPECT_EQ(parse_detach_keys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_").value(), std::string("\0\x1b\x1c\x1d\x1e\x1f", 6));
    EXPECT_FALSE(parse_detach_keys("ctrl-1"));
    EXPECT_FALSE(parse_detach_keys("ab"));
    EXPECT_FALSE(parse_detach_keys("a,,b"));
}

TEST(ExecRequest, DetachScanner) {
    DetachScanner d("\x10\x11");
    bool detached = false;
    EXPECT_EQ(d.feed("ab", detached), "ab");
    EXPECT_EQ(d.feed("c\x10", detached), "c");  // may start the sequence: held
    EXPECT_EQ(d.feed("d", detached), "\x10" "d");  // was not: passed on
    EXPECT_EQ(d.feed("\x10\x10", detached), "\x10");  // the second may start it again
    EXPECT_FALSE(detached);
    EXPECT_EQ(d.flush(), "\x10");
    EXPECT_EQ(d.feed("x\x10", detached), "x");
    EXPECT_EQ(d.feed("\x11tail", detached), "");
    EXPECT_TRUE(detached);
}

}  // namespace
}  // namespace brig::api
