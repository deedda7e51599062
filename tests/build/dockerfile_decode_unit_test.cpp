// decode() (build/dockerfile/decode.hpp): each instruction to its typed command, variables
// expanded where docker expands them and nowhere else.
#include <gtest/gtest.h>

#include "build/dockerfile/decode.hpp"
#include "build/dockerfile/parser.hpp"

namespace df = brig::build::dockerfile;
using V = std::vector<std::string>;

namespace {

const df::Vars kVars = {{"A", "a"}, {"X", "x y"}, {"DIR", "/srv"}, {"U", "1000"}, {"P", "8080"}};

df::Instruction line(std::string_view text, char escape = '\\') {
    std::string file = escape == '`' ? "# escape=`\nFROM scratch\n" : "FROM scratch\n";
    auto r = df::parse(file + std::string(text));
    EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message);
    if (!r) return {};
    return std::string_view(text).starts_with("FROM") ? r->stages.back().from : r->stages[0].body[0];
}

template <class T>
T dec(std::string_view text, const df::Vars& vars = kVars, char escape = '\\') {
    auto c = df::decode(line(text, escape), vars, escape);
    EXPECT_TRUE(c.has_value()) << text << ": " << (c ? "" : c.error().message);
    if (!c || !std::holds_alternative<T>(*c)) {
        ADD_FAILURE() << text << ": another command";
        return T{};
    }
    return std::get<T>(*c);
}

std::string dec_err(std::string_view text, const df::Vars& vars = kVars) {
    auto c = df::decode(line(text), vars);
    EXPECT_FALSE(c.has_value()) << text;
    return c ? "" : c.error().message;
}

}  // namespace

TEST(DockerfileDecode, From) {
    auto f = dec<df::From>("FROM --platform=$BUILDPLATFORM golang:${V:-1.22} AS Build",
                           {{"BUILDPLATFORM", "linux/amd64"}});
    EXPECT_EQ(f.image, "golang:1.22");
    EXPECT_EQ(f.name, "build");
    EXPECT_EQ(f.platform, "linux/amd64");
    EXPECT_EQ(dec<df::From>("FROM alpine").name, "");
    EXPECT_EQ(dec_err("FROM $NOPE"), "Dockerfile:2:1: base name ($NOPE) should not be blank");
}

TEST(DockerfileDecode, RunIsNotExpanded) {
    auto r = dec<df::Run>("RUN echo $A \"${X}\"");
    EXPECT_TRUE(r.shell_form);
    EXPECT_EQ(r.argv, V{"echo $A \"${X}\""});
    EXPECT_EQ(r.network, "");
    auto j = dec<df::Run>("RUN [\"echo\", \"$A\"]");
    EXPECT_FALSE(j.shell_form);
    EXPECT_EQ(j.argv, (V{"echo", "$A"}));
}

TEST(DockerfileDecode, RunNetwork) {
    EXPECT_EQ(dec<df::Run>("RUN --network=none x").network, "none");
    EXPECT_EQ(dec<df::Run>("RUN --network=host x").network, "host");
    EXPECT_EQ(dec<df::Run>("RUN --network=default x").network, "");
    EXPECT_EQ(dec<df::Run>("RUN --network=$N x", {{"N", "none"}}).network, "none");
    EXPECT_EQ(dec_err("RUN --network=bridge x"), "Dockerfile:2:5: unsupported network mode \"bridge\"");
}

TEST(DockerfileDecode, Copy) {
    auto c = dec<df::Copy>("COPY --from=${STAGE} --chown=$U:$U --chmod=0755 --link a $A/b* ${DIR}/", {{"STAGE", "build"}, {"U", "1"}, {"A", "src"}, {"DIR", "/srv"}});
    EXPECT_FALSE(c.add);
    EXPECT_EQ(c.sources, (V{"a", "src/b*"}));
    EXPECT_EQ(c.dest, "/srv/");
    EXPECT_EQ(c.from, "build");
    EXPECT_EQ(c.chown, "1:1");
    EXPECT_EQ(c.chmod, "0755");
    EXPECT_TRUE(c.link);
    auto j = dec<df::Copy>("COPY [\"my file\", \"$DIR/a dir/\"]");
    EXPECT_EQ(j.sources, V{"my file"});
    EXPECT_EQ(j.dest, "/srv/a dir/");
}

TEST(DockerfileDecode, Add) {
    auto a = dec<df::Copy>(
        "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d --keep-git-dir=true "
        "https://x/y.tar.gz /y/");
    EXPECT_TRUE(a.add);
    EXPECT_TRUE(a.keep_git_dir);
    EXPECT_EQ(a.checksum, "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d");
    EXPECT_FALSE(a.link);
}

TEST(DockerfileDecode, CopyFlagChecks) {
    EXPECT_EQ(dec<df::Copy>("COPY --link=false a b").link, false);
    EXPECT_EQ(dec_err("COPY --chmod=999 a b"),
              "Dockerfile:2:6: invalid chmod parameter: 999. it should be octal string and between 0 and 07777");
    EXPECT_EQ(dec_err("ADD --checksum=md5:00 a b"), "Dockerfile:2:5: invalid checksum digest format: md5:00");
    EXPECT_EQ(dec_err("ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d a b c"),
              "Dockerfile:2:5: checksum can't be specified for multiple sources");
}

TEST(DockerfileDecode, EnvBothForms) {
    auto e = dec<df::Env>("ENV A=1 B=\"two words\" C=$X D='$A' E=a\\ b");
    using P = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(e.pairs, (P{{"A", "1"}, {"B", "two words"}, {"C", "x y"}, {"D", "$A"}, {"E", "a b"}}));
    // Old form: one pair, the value the rest of the line (quotes processed, spaces kept).
    EXPECT_EQ(dec<df::Env>("ENV K some  value $A").pairs, (P{{"K", "some  value a"}}));
    EXPECT_EQ(dec<df::Env>("ENV K \"quoted value\"").pairs, (P{{"K", "quoted value"}}));
    // Every pair sees the variables from before the instruction.
    EXPECT_EQ(dec<df::Env>("ENV A=new B=$A").pairs, (P{{"A", "new"}, {"B", "a"}}));
    EXPECT_EQ(dec<df::Env>("ENV PATH=C:\\bin;$A", kVars, '`').pairs, (P{{"PATH", "C:\\bin;a"}}));
}

TEST(DockerfileDecode, LabelBothForms) {
    using P = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(dec<df::Label>("LABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0 multi=\"a \\\n  b\"").pairs,
              (P{{"com.example.vendor", "ACME Inc"}, {"version", "1.0"}, {"multi", "a   b"}}));
    EXPECT_EQ(dec<df::Label>("LABEL description This is $A").pairs, (P{{"description", "This is a"}}));
}

TEST(DockerfileDecode, ArgNamesAndDefaults) {
    auto a = dec<df::Arg>("ARG NAME B=2 C=$A D= E=\"x y\"");
    ASSERT_EQ(a.args.size(), 5u);
    EXPECT_EQ(a.args[0].first, "NAME");
    EXPECT_FALSE(a.args[0].second.has_value());
    EXPECT_EQ(a.args[1].second, "2");
    EXPECT_EQ(a.args[2].second, "a");
    EXPECT_EQ(a.args[3].second, "");
    EXPECT_EQ(a.args[4].second, "x y");
}

TEST(DockerfileDecode, Cmd) {
    auto c = dec<df::Cmd>("CMD echo $A");
    EXPECT_TRUE(c.shell_form);
    EXPECT_EQ(c.argv, V{"echo $A"});
    auto j = dec<df::Cmd>("CMD [\"a\", \"$A\"]");
    EXPECT_FALSE(j.shell_form);
    EXPECT_EQ(j.argv, (V{"a", "$A"}));
    auto empty = dec<df::Cmd>("CMD []");
    EXPECT_TRUE(empty.argv.empty());
}

TEST(DockerfileDecode, Entrypoint) {
    auto e = dec<df::Entrypoint>("ENTRYPOINT [\"/init\", \"--\"]");
    EXPECT_EQ(e.argv, (V{"/init", "--"}));
    EXPECT_TRUE(dec<df::Entrypoint>("ENTRYPOINT exec /init").shell_form);
    auto none = dec<df::Entrypoint>("ENTRYPOINT");
    EXPECT_FALSE(none.shell_form);
    EXPECT_TRUE(none.argv.empty());
}

TEST(DockerfileDecode, Expose) {
    EXPECT_EQ(dec<df::Expose>("EXPOSE 80 443/UDP 8000-8010 $P/sctp ${PORTS}", {{"P", "53"}, {"PORTS", "1 2/udp"}}).ports,
              (V{"80/tcp", "443/udp", "8000-8010/tcp", "53/sctp", "1/tcp", "2/udp"}));
    EXPECT_EQ(dec_err("EXPOSE 80/icmp"), "Dockerfile:2:1: invalid proto: icmp");
    EXPECT_EQ(dec_err("EXPOSE http"), "Dockerfile:2:1: invalid containerPort: http");
    EXPECT_EQ(dec_err("EXPOSE 90-80"), "Dockerfile:2:1: invalid range specified for container port: 90-80");
}

TEST(DockerfileDecode, Volume) {
    EXPECT_EQ(dec<df::Volume>("VOLUME /a $DIR/b").paths, (V{"/a", "/srv/b"}));
    EXPECT_EQ(dec<df::Volume>("VOLUME [\"/a b\", \"$DIR\"]").paths, (V{"/a b", "/srv"}));
    EXPECT_EQ(dec_err("VOLUME $NOPE"), "Dockerfile:2:1: VOLUME specified can not be an empty string");
}

TEST(DockerfileDecode, UserAndWorkdir) {
    EXPECT_EQ(dec<df::User>("USER ${U}:grp").user, "1000:grp");
    EXPECT_EQ(dec<df::Workdir>("WORKDIR $DIR/app dir").path, "/srv/app dir");
    EXPECT_EQ(dec<df::Workdir>("WORKDIR C:\\Users\\$A", kVars, '`').path, "C:\\Users\\a");
}

TEST(DockerfileDecode, StopSignal) {
    for (const char* sig : {"SIGTERM", "term", "9", "SIGRTMIN+3", "RTMAX"})
        EXPECT_EQ(dec<df::StopSignal>(std::string("STOPSIGNAL ") + sig).signal, sig);
    EXPECT_EQ(dec<df::StopSignal>("STOPSIGNAL $S", {{"S", "SIGINT"}}).signal, "SIGINT");
    EXPECT_EQ(dec_err("STOPSIGNAL SIGNOPE"), "Dockerfile:2:1: Invalid signal: SIGNOPE");
    EXPECT_EQ(dec_err("STOPSIGNAL 0"), "Dockerfile:2:1: Invalid signal: 0");
}

TEST(DockerfileDecode, Shell) {
    EXPECT_EQ(dec<df::Shell>("SHELL [\"powershell\", \"-Command\", \"$A\"]").argv, (V{"powershell", "-Command", "$A"}));
}

TEST(DockerfileDecode, Healthcheck) {
    auto h = dec<df::Healthcheck>(
        "HEALTHCHECK --interval=1m30s --timeout=10s --start-period=5s --start-interval=500ms --retries=3 CMD curl -f $A");
    EXPECT_FALSE(h.none);
    EXPECT_EQ(h.test, (V{"CMD-SHELL", "curl -f $A"}));
    EXPECT_EQ(h.interval_ns, 90'000'000'000);
    EXPECT_EQ(h.timeout_ns, 10'000'000'000);
    EXPECT_EQ(h.start_period_ns, 5'000'000'000);
    EXPECT_EQ(h.start_interval_ns, 500'000'000);
    EXPECT_EQ(h.retries, 3);
    auto j = dec<df::Healthcheck>("HEALTHCHECK cmd [\"/bin/check\", \"-q\"]");
    EXPECT_EQ(j.test, (V{"CMD", "/bin/check", "-q"}));
    EXPECT_EQ(j.interval_ns, 0);
    EXPECT_EQ(j.retries, 0);
    EXPECT_EQ(dec<df::Healthcheck>("HEALTHCHECK --interval=0s CMD x").interval_ns, 0);
    auto n = dec<df::Healthcheck>("HEALTHCHECK none");
    EXPECT_TRUE(n.none);
    EXPECT_EQ(n.test, V{"NONE"});
}

TEST(DockerfileDecode, OnbuildAndMaintainer) {
    EXPECT_EQ(dec<df::OnBuild>("ONBUILD COPY $A /b").instruction, "COPY $A /b");
    EXPECT_EQ(dec<df::Maintainer>("MAINTAINER $A <a@b>").name, "$A <a@b>");
}

TEST(DockerfileDecode, ExpansionErrorsNameTheInstruction) {
    EXPECT_EQ(dec_err("WORKDIR ${DIR"), "Dockerfile:2:1: failed to process \"${DIR\": syntax error: missing '}'");
    EXPECT_EQ(dec_err("WORKDIR ${NEED:?must be set}"),
              "Dockerfile:2:1: failed to process \"${NEED:?must be set}\": NEED: must be set");
    EXPECT_EQ(dec_err("COPY --from=${S a b"), "Dockerfile:2:6: failed to process \"${S\": syntax error: missing '}'");
}
