// brig build end to end (root): real builds on the embedded busybox image, each test with its
// own --root and cgroup parent (tests/engine/fixture.hpp).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "fixture.hpp"
#include "registry_it/local_registry.hpp"

namespace brig::test {
namespace {

class Build : public EngineFixture {
protected:
    void SetUp() override {
        EngineFixture::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(brig({"load", "-i", BRIG_ET_IMAGE}).code, 0);
        ctx_ = dir_ + "/ctx";
        fs::create_directories(ctx_);
    }
    void write(const std::string& rel, const std::string& text) {
        fs::create_directories(fs::path(ctx_ + "/" + rel).parent_path());
        std::ofstream(ctx_ + "/" + rel) << text;
    }
    Proc build(std::vector<std::string> flags) {
        std::vector<std::string> args = {"build", "--cgroup-parent", cgroup_parent_, "--progress", "plain"};
        args.insert(args.end(), flags.begin(), flags.end());
        args.push_back(ctx_);
        return brig(args, 120s);
    }
    std::string build_id(std::vector<std::string> flags) {
        flags.push_back("-q");
        auto p = build(flags);
        EXPECT_EQ(p.code, 0) << p;
        auto l = lines(p.out);
        return l.empty() ? "" : l.back();
    }
    // Nothing of a build may be left: working containers, their locks, bundles, mounts.
    void expect_no_leftovers() {
        std::error_code ec;
        for (auto& e : fs::directory_iterator(root_ + "/containers-storage", ec))
            EXPECT_FALSE(e.path().filename().string().starts_with("build-")) << e.path();
        for (auto& e : fs::directory_iterator(root_ + "/build", ec)) ADD_FAILURE() << "left in build/: " << e.path();
        for (auto& e : fs::directory_iterator(root_ + "/build-locks", ec)) ADD_FAILURE() << "left lock: " << e.path();
        for (auto& m : mounts_below(root_)) ADD_FAILURE() << "still mounted: " << m;
    }
    std::string ctx_;
};

TEST_F(Build, BuildsAnImageThatRunsWithItsConfig) {
    write("Dockerfile",
          "FROM busybox\n"
          "ARG WHO=world\n"
          "ENV GREETING=hello\n"
          "LABEL org.example=yes\n"
          "RUN echo \"$GREETING $WHO\" > /greeting\n"
          "COPY files/ /app/\n"
          "WORKDIR /app\n"
          "EXPOSE 8080\n"
          "USER 1000:1000\n"
          "STOPSIGNAL SIGINT\n"
          "CMD [\"sh\", \"-c\", \"cat /greeting /app/a.txt; id -u\"]\n");
    write("files/a.txt", "file a\n");
    auto p = build({"-t", "app:1", "--build-arg", "WHO=brig"});
    ASSERT_EQ(p.code, 0) << p;
    auto r = brig_run_image("app:1", {"--rm"}, {});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_EQ(r.out, "hello brig\nfile a\n1000\n");
    auto img = json::parse(brig({"image", "inspect", "app:1"}).out)[0];
    auto& c = img["Config"];
    EXPECT_EQ(c["WorkingDir"], "/app");
    EXPECT_EQ(c["User"], "1000:1000");
    EXPECT_EQ(c["Labels"]["org.example"], "yes");
    EXPECT_TRUE(c["ExposedPorts"].contains("8080/tcp"));
    EXPECT_EQ(c["StopSignal"], "SIGINT");
    // busybox's one layer, the RUN and the COPY.
    EXPECT_EQ(img["RootFS"]["Layers"].size(), 3u);
    expect_no_leftovers();
}

TEST_F(Build, CacheHitsAndExactlyTheRightMisses) {
    write("Dockerfile",
          "FROM busybox\n"
          "RUN echo one > /one\n"
          "COPY a.txt /a.txt\n"
          "RUN cat /a.txt > /copy\n");
    write("a.txt", "first\n");
    std::string id1 = build_id({"-t", "c"});
    ASSERT_FALSE(id1.empty());
    // Everything cached: the same image.
    auto again = build({"-t", "c"});
    ASSERT_EQ(again.code, 0) << again;
    size_t cached = 0;
    for (auto& l : lines(again.err)) cached += l.ends_with(" CACHED");
    EXPECT_EQ(cached, 3u) << again.err;
    EXPECT_EQ(build_id({"-t", "c"}), id1);
    // One context file changed: the steps from the COPY on run again, the RUN before stays cached.
    write("a.txt", "second\n");
    auto p = build({"-t", "c"});
    ASSERT_EQ(p.code, 0) << p;
    cached = 0;
    for (auto& l : lines(p.err)) cached += l.ends_with(" CACHED");
    EXPECT_EQ(cached, 1u) << p.err;
    EXPECT_EQ(brig_run_image("c", {"--rm"}, {"cat", "/copy"}).out, "second\n");
    // --no-cache runs everything.
    auto n = build({"--no-cache", "-t", "c"});
    ASSERT_EQ(n.code, 0) << n;
    EXPECT_EQ(n.err.find(" CACHED"), std::string::npos) << n.err;
}

TEST_F(Build, IndependentStagesRunAtTheSameTime) {
    // A rendezvous, not a stopwatch: each stage's RUN marks itself in a shared cache mount and
    // waits (up to 60 s) for the other's mark. Run one after the other, the first would time out.
    const std::string meet =
        "RUN --mount=type=cache,id=meet,target=/r touch /r/%s && "
        "i=0; while [ ! -e /r/%s ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -e /r/%s && echo met > /met\n";
    auto stage = [&](const char* me, const char* other) {
        char buf[512];
        std::snprintf(buf, sizeof buf, meet.c_str(), me, other, other);
        return std::string(buf);
    };
    write("Dockerfile",
          "FROM busybox AS a\n" + stage("a", "b") +
          "FROM busybox AS b\n" + stage("b", "a") +
          "FROM busybox AS skipped\n"
          "RUN exit 1\n"
          "FROM busybox\n"
          "COPY --from=a /met /a.met\n"
          "COPY --from=b /met /b.met\n");
    auto p = build({"-t", "par"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig_run_image("par", {"--rm"}, {"cat", "/a.met", "/b.met"}).out, "met\nmet\n");
    EXPECT_EQ(p.err.find("skipped"), std::string::npos) << "a stage the target does not need ran: " << p.err;
}

TEST_F(Build, FailedRunShowsItsOutputAndLeavesNothing) {
    write("Dockerfile", "FROM busybox\nRUN echo kept > /kept\nRUN echo to-stdout; echo to-stderr >&2; exit 7\n");
    auto p = build({"-t", "bad"});
    EXPECT_EQ(p.code, 1);
    EXPECT_NE(p.err.find("exit code: 7"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("to-stderr"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("Dockerfile:3:1"), std::string::npos) << p.err;
    EXPECT_NE(brig({"image", "inspect", "bad"}).code, 0);
    expect_no_leftovers();
    // The step before the failure is cached.
    auto again = build({"-t", "bad"});
    EXPECT_NE(again.err.find(" CACHED"), std::string::npos) << again.err;
}

TEST_F(Build, BadDockerfileIsRefusedBeforeAnythingRuns) {
    write("Dockerfile", "FROM busybox\nRUN touch /x\nRUNN nope\n");
    auto p = build({});
    EXPECT_EQ(p.code, 1);
    EXPECT_NE(p.err.find("Dockerfile:3"), std::string::npos) << p.err;
    EXPECT_EQ(p.err.find("RUN touch"), std::string::npos) << "a step ran before the parse error: " << p.err;
    write("Dockerfile", "FROM busybox\n");
    auto t = build({"--target", "missing"});
    EXPECT_EQ(t.code, 1);
    EXPECT_NE(t.err.find("missing"), std::string::npos) << t.err;
    EXPECT_NE(build({"--pull=never", "-f", ctx_ + "/nope"}).code, 0);
}

TEST_F(Build, CacheMountsPersistAndSecretsStayOut) {
    write("secret.txt", "s3cret\n");
    write("Dockerfile",
          "FROM busybox\n"
          "RUN --mount=type=cache,target=/cache echo run >> /cache/log && cat /cache/log > /seen\n"
          "RUN --mount=type=secret,id=tok test \"$(cat /run/secrets/tok)\" = s3cret && echo ok > /secret-ok\n");
    ASSERT_EQ(build({"-t", "m", "--secret", "id=tok,src=" + ctx_ + "/secret.txt"}).code, 0);
    ASSERT_EQ(build({"-t", "m", "--no-cache", "--secret", "id=tok,src=" + ctx_ + "/secret.txt"}).code, 0);
    auto r = brig_run_image("m", {"--rm"}, {"sh", "-c", "cat /seen; cat /secret-ok; ls /run/secrets 2>&1 || true"});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_EQ(lines(r.out)[0], "run");
    EXPECT_EQ(lines(r.out)[1], "run");
    EXPECT_EQ(lines(r.out)[2], "ok");
    EXPECT_NE(r.out.find("No such file"), std::string::npos) << "the secret's mount point is in the image: " << r.out;
    // A missing required secret is an error naming it.
    write("Dockerfile", "FROM busybox\nRUN --mount=type=secret,id=nope,required=true true\n");
    auto p = build({});
    EXPECT_EQ(p.code, 1);
    EXPECT_NE(p.err.find("nope"), std::string::npos) << p.err;
}

TEST_F(Build, HeredocsDockerignoreAndCopyFromAStage) {
    write(".dockerignore", "secret/\n*.log\n!keep.log\n");
    write("secret/key", "no\n");
    write("drop.log", "no\n");
    write("keep.log", "yes\n");
    write("src/main.c", "int main;\n");
    write("Dockerfile",
          "FROM busybox AS build\n"
          "COPY . /ctx/\n"
          "RUN <<EOF\n"
          "set -e\n"
          "ls /ctx | sort > /listing\n"
          "EOF\n"
          "FROM busybox\n"
          "COPY --from=build /listing /listing\n"
          "COPY <<EOF /etc/motd\n"
          "hello from a heredoc\n"
          "EOF\n"
          "COPY --chown=1000:1000 --chmod=0750 src /src\n");
    auto p = build({"-t", "h"});
    ASSERT_EQ(p.code, 0) << p;
    auto r = brig_run_image("h", {"--rm"}, {"sh", "-c", "cat /listing /etc/motd; stat -c '%u:%g %a' /src/main.c"});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_EQ(r.out, "Dockerfile\nkeep.log\nsrc\nhello from a heredoc\n1000:1000 750\n");
}

TEST_F(Build, OutputExportsTheTreeInsteadOfAnImage) {
    write("Dockerfile", "FROM busybox\nRUN echo made > /made\n");
    ASSERT_EQ(build({"-o", "type=local,dest=" + dir_ + "/out"}).code, 0);
    EXPECT_EQ(slurp(dir_ + "/out/made"), "made\n");
    EXPECT_TRUE(fs::exists(dir_ + "/out/bin/busybox"));
    ASSERT_EQ(build({"--output", "type=tar,dest=" + dir_ + "/out.tar"}).code, 0);
    auto t = run({"/bin/tar", "tf", dir_ + "/out.tar"});
    EXPECT_NE(t.out.find("made"), std::string::npos) << t;
    EXPECT_NE(build({"-o", "type=registry"}).code, 0);
}

TEST_F(Build, OnbuildTriggersRunInTheChildOnly) {
    write("x.txt", "xx\n");
    write("Dockerfile.base", "FROM busybox\nONBUILD RUN echo triggered > /trig\nONBUILD COPY x.txt /x.txt\n");
    ASSERT_EQ(build({"-t", "obbase", "-f", ctx_ + "/Dockerfile.base"}).code, 0);
    auto base = json::parse(brig({"image", "inspect", "obbase"}).out)[0];
    EXPECT_EQ(base["Config"]["OnBuild"].size(), 2u);
    EXPECT_NE(brig_run_image("obbase", {"--rm"}, {"test", "-e", "/trig"}).code, 0) << "a trigger ran in the base";
    write("Dockerfile", "FROM obbase\nRUN cat /trig /x.txt > /both\n");
    ASSERT_EQ(build({"-t", "obchild"}).code, 0);
    EXPECT_EQ(brig_run_image("obchild", {"--rm"}, {"cat", "/both"}).out, "triggered\nxx\n");
    auto child = json::parse(brig({"image", "inspect", "obchild"}).out)[0];
    EXPECT_TRUE(child["Config"]["OnBuild"].is_null() || child["Config"]["OnBuild"].empty());
}

TEST_F(Build, BuiltImagePushesAndSkopeoCopiesItBack) {
    if (!fs::exists("/usr/bin/docker-registry") || !fs::exists("/usr/bin/skopeo")) GTEST_SKIP() << "no docker-registry or skopeo";
    test_registry::LocalRegistry reg(dir_ + "/registry");
    ASSERT_TRUE(reg.up()) << reg.log();
    write("Dockerfile", "FROM busybox\nRUN echo pushed > /pushed\nCMD [\"cat\", \"/pushed\"]\n");
    std::string ref = reg.host() + "/built/app:1";
    ASSERT_EQ(build({"-t", ref}).code, 0);
    auto push = brig({"push", "--tls-verify=false", ref});
    ASSERT_EQ(push.code, 0) << push;
    std::string out = dir_ + "/skopeo-out";
    auto sk = run({"/usr/bin/skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false", "docker://" + ref,
                   "oci:" + out + ":1"});
    ASSERT_EQ(sk.code, 0) << sk;
    // skopeo verified every blob; the config it got is the one brig built.
    auto index = json::parse(slurp(out + "/index.json"));
    auto mdigest = index["manifests"][0]["digest"].get<std::string>();
    auto manifest = json::parse(slurp(out + "/blobs/sha256/" + mdigest.substr(7)));
    EXPECT_EQ(manifest["config"]["digest"], json::parse(brig({"image", "inspect", ref}).out)[0]["Id"]);
    EXPECT_EQ(manifest["layers"].size(), 2u);
    // And brig pulls it into a fresh root and runs it.
    auto pull = run({BRIG_ET_BRIG, "--root", dir_ + "/root2", "pull", "--tls-verify=false", ref});
    ASSERT_EQ(pull.code, 0) << pull;
    auto r = run({BRIG_ET_BRIG, "--root", dir_ + "/root2", "run", "--rm", "--cgroup-parent", cgroup_parent_, ref});
    EXPECT_EQ(r.out, "pushed\n") << r;
}

TEST_F(Build, AddDownloadsAUrlAndChecksItsDigest) {
    // A web server on the test's own loopback.
    fs::create_directories(dir_ + "/www");
    std::ofstream(dir_ + "/www/remote.txt") << "from the web\n";
    int port = test_registry::free_port();
    pid_t srv = spawn_quiet({"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir_ + "/www",
                             std::to_string(port)});
    struct Kill {
        pid_t p;
        ~Kill() {
            kill(p, SIGKILL);
            waitpid(p, nullptr, 0);
        }
    } k{srv};
    ASSERT_TRUE(eventually([&] { return test_registry::port_open(port); }));
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/remote.txt";
    std::string good = "sha256:" + json::parse(run({"/bin/sh", "-c", "sha256sum " + dir_ + "/www/remote.txt | "
                                                                     "sed 's/ .*//;s/^/\"/;s/$/\"/'"}).out).get<std::string>();
    write("Dockerfile", "FROM busybox\nADD --checksum=" + good + " " + url + " /dl/\nADD " + url + " /named.txt\n");
    auto p = build({"-t", "dl"});
    ASSERT_EQ(p.code, 0) << p;
    auto r = brig_run_image("dl", {"--rm"}, {"sh", "-c", "cat /dl/remote.txt /named.txt; stat -c %a /named.txt"});
    EXPECT_EQ(r.out, "from the web\nfrom the web\n600\n") << r;
    write("Dockerfile", "FROM busybox\nADD --checksum=sha256:" + std::string(64, '0') + " " + url + " /dl/\n");
    auto bad = build({});
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.err.find("checksum mismatch"), std::string::npos) << bad.err;
    write("Dockerfile", "FROM busybox\nCOPY " + url + " /x\n");
    EXPECT_NE(build({}).code, 0);
}

TEST_F(Build, ContextTarOnStdinAndDockerfileOnStdin) {
    write("Dockerfile", "FROM busybox\nCOPY in.txt /in.txt\n");
    write("in.txt", "from a tar\n");
    std::string tar = run({"/bin/tar", "-C", ctx_, "-cf", "-", "."}).out;
    auto p = brig({"build", "--cgroup-parent", cgroup_parent_, "-t", "fromtar", "-"}, 120s, tar);
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig_run_image("fromtar", {"--rm"}, {"cat", "/in.txt"}).out, "from a tar\n");
    auto q = brig({"build", "--cgroup-parent", cgroup_parent_, "-t", "fromstdin", "-f", "-", ctx_}, 120s,
                  "FROM busybox\nCOPY in.txt /again.txt\n");
    ASSERT_EQ(q.code, 0) << q;
    EXPECT_EQ(brig_run_image("fromstdin", {"--rm"}, {"cat", "/again.txt"}).out, "from a tar\n");
}

TEST_F(Build, SourceDateEpochGivesTheSameImageId) {
    write("Dockerfile", "FROM busybox\nRUN echo x > /x\nCOPY Dockerfile /\n");
    auto a = build_id({"--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=1700000000"});
    auto b = build_id({"--no-cache", "--build-arg", "SOURCE_DATE_EPOCH=1700000000"});
    EXPECT_EQ(a, b);
    EXPECT_FALSE(a.empty());
}

TEST_F(Build, KillNineMidBuildThenTheNextBuildSucceeds) {
    write("Dockerfile", "FROM busybox\nRUN sleep 30\n");
    std::vector<std::string> args = brig_argv({"build", "--cgroup-parent", cgroup_parent_, "-q", ctx_});
    run_killed_after(args, 1500ms);
    write("Dockerfile", "FROM busybox\nRUN echo after > /after\n");
    auto p = build({"-t", "after"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(brig_run_image("after", {"--rm"}, {"cat", "/after"}).out, "after\n");
    // The killed build's RUN container may still be running until the sweep; it is gone now.
    EXPECT_TRUE(eventually([&] {
        std::error_code ec;
        for (auto& e : fs::directory_iterator(root_ + "/containers-storage", ec))
            if (e.path().filename().string().starts_with("build-")) return false;
        return true;
    }));
}

}  // namespace
}  // namespace brig::test
