// brig diff / commit / export / history / builder prune end to end (root), on the embedded
// busybox image and the engine tests' fixture (tests/engine/fixture.hpp).
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/mount.h>

#include <fstream>

#include "fixture.hpp"

namespace brig::test {
namespace {

class Commit : public EngineFixture {
protected:
    void SetUp() override {
        EngineFixture::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(brig({"load", "-i", BRIG_ET_IMAGE}).code, 0);
    }
    // A stopped container "c" that added /made, deleted /bin/ls and made /tmp/a.
    void make_changed_container(std::vector<std::string> flags = {}) {
        flags.insert(flags.end(), {"--name", "c", "-e", "FOO=bar", "--label", "from=run"});
        auto r = brig_run_image("busybox", flags, {"sh", "-c", "echo made > /made; rm /bin/ls; mkdir -p /tmp/a"});
        ASSERT_EQ(r.code, 0) << r;
    }
    Proc build_dir(const std::string& dockerfile, std::vector<std::string> flags) {
        std::string ctx = dir_ + "/ctx";
        fs::create_directories(ctx);
        std::ofstream(ctx + "/Dockerfile") << dockerfile;
        std::vector<std::string> args = {"build", "--cgroup-parent", cgroup_parent_, "--progress", "plain"};
        args.insert(args.end(), flags.begin(), flags.end());
        args.push_back(ctx);
        return brig(args, 120s);
    }
    size_t files_in(const std::string& dir) {
        std::error_code ec;
        size_t n = 0;
        for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) ++n;
        return n;
    }
};

TEST_F(Commit, DiffListsTheChangesAsDockerDoes) {
    make_changed_container();
    auto d = brig({"diff", "c"});
    ASSERT_EQ(d.code, 0) << d;
    EXPECT_EQ(lines(d.out), (std::vector<std::string>{"C /bin", "D /bin/ls", "A /made", "C /tmp", "A /tmp/a"}));
    EXPECT_EQ(brig({"container", "diff", "c"}).out, d.out);
    auto missing = brig({"diff", "nope"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("No such container: nope"), std::string::npos) << missing;
}

TEST_F(Commit, CommitMakesAnImageOfTheChangesWithTheContainersConfig) {
    make_changed_container({"--workdir", "/tmp"});
    auto c = brig({"commit", "-a", "Jane <jane@example.com>", "-m", "first commit", "-c", "ENV X=$FOO-x", "-c",
                   "CMD [\"sh\", \"-c\", \"cat /made; echo $FOO $X; pwd; ls /bin/ls 2>&1 || true\"]", "--change", "EXPOSE 8080",
                   "c", "mine:v1"});
    ASSERT_EQ(c.code, 0) << c;
    ASSERT_EQ(lines(c.out).size(), 1u) << c;
    EXPECT_TRUE(c.out.starts_with("sha256:")) << c.out;
    auto r = brig_run_image("mine:v1", {"--rm"}, {});
    ASSERT_EQ(r.code, 0) << r;
    EXPECT_EQ(lines(r.out)[0], "made");
    EXPECT_EQ(lines(r.out)[1], "bar bar-x");
    EXPECT_EQ(lines(r.out)[2], "/tmp");
    EXPECT_NE(r.out.find("No such file"), std::string::npos) << "the deletion is not in the image: " << r.out;
    auto img = json::parse(brig({"image", "inspect", "mine:v1"}).out)[0];
    EXPECT_EQ(img["Id"], lines(c.out)[0]);
    EXPECT_EQ(img["Author"], "Jane <jane@example.com>");
    EXPECT_EQ(img["Config"]["Labels"]["from"], "run");
    EXPECT_TRUE(img["Config"]["ExposedPorts"].contains("8080/tcp"));
    EXPECT_EQ(img["RootFS"]["Layers"].size(), 2u);
    // History: the commit on top (the container's command, the message), busybox's below.
    auto h = brig({"history", "--format", "json", "mine:v1"});
    ASSERT_EQ(h.code, 0) << h;
    auto rows = lines(h.out);
    ASSERT_EQ(rows.size(), 2u) << h.out;
    auto top = json::parse(rows[0]), base = json::parse(rows[1]);
    EXPECT_EQ(top["ID"], img["Id"].get<std::string>().substr(7, 12));
    EXPECT_EQ(top["Comment"], "first commit");
    EXPECT_EQ(top["CreatedBy"], "sh -c echo made > /made; rm /bin/ls; mkdir -…");  // 45 characters
    EXPECT_EQ(base["ID"], "<missing>");
    // A container that changed nothing: an empty layer.
    ASSERT_EQ(brig_run_image("busybox", {"--name", "same"}, {"true"}).code, 0);
    auto same = brig({"commit", "same"});
    ASSERT_EQ(same.code, 0) << same;
    auto si = json::parse(brig({"image", "inspect", lines(same.out)[0]}).out)[0];
    EXPECT_EQ(si["RootFS"]["Layers"].size(), 1u);
}

TEST_F(Commit, BadChangesAndNamesAreRefusedNamingThem) {
    make_changed_container();
    auto run = brig({"commit", "-c", "RUN rm -rf /", "c"});
    EXPECT_EQ(run.code, 1);
    EXPECT_NE(run.err.find("RUN is not a valid change command"), std::string::npos) << run;
    auto bogus = brig({"commit", "--change", "BOGUS x", "c"});
    EXPECT_EQ(bogus.code, 1);
    EXPECT_NE(bogus.err.find("unknown instruction: BOGUS"), std::string::npos) << bogus;
    auto name = brig({"commit", "c", "Upper:Case"});
    EXPECT_EQ(name.code, 1);
    EXPECT_NE(name.err.find("Upper:Case"), std::string::npos) << name;
    auto missing = brig({"commit", "nope"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("nope"), std::string::npos) << missing;
    EXPECT_EQ(lines(brig({"images", "-q"}).out).size(), 1u) << "a failed commit left an image";
}

TEST_F(Commit, RunningContainerIsPausedForTheCommitAndGoesOn) {
    auto d = brig_run_image("busybox", {"-d", "--name", "live"}, {"sh", "-c", "echo up > /up; while true; do sleep 0.1; done"});
    ASSERT_EQ(d.code, 0) << d;
    ASSERT_TRUE(eventually([&] { return brig({"diff", "live"}).out.find("A /up") != std::string::npos; }));
    auto c = brig({"commit", "live", "live:1"});
    ASSERT_EQ(c.code, 0) << c;
    EXPECT_EQ(inspect("live")["State"]["Status"], "running");
    EXPECT_FALSE(inspect("live")["State"]["Paused"].get<bool>());
    ASSERT_EQ(brig({"commit", "--pause=false", "live", "live:2"}).code, 0);
    EXPECT_EQ(brig_run_image("live:1", {"--rm"}, {"cat", "/up"}).out, "up\n");
    EXPECT_EQ(brig_run_image("live:2", {"--rm"}, {"cat", "/up"}).out, "up\n");
}

TEST_F(Commit, ExportWritesTheFlattenedRootAndMountsItOnlyForTheExport) {
    make_changed_container();
    ASSERT_EQ(brig({"export", "-o", dir_ + "/c.tar", "c"}).code, 0);
    auto t = run({"/bin/tar", "tf", dir_ + "/c.tar"});
    ASSERT_EQ(t.code, 0) << t;
    auto names = lines(t.out);
    auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    EXPECT_TRUE(has("made"));
    EXPECT_TRUE(has("bin/busybox"));
    EXPECT_FALSE(has("bin/ls"));
    EXPECT_FALSE(fs::exists(dir_ + "/c.tar.brig-tmp"));
    // Not mounted now (as after a reboot): mounted for the export and unmounted again.
    std::string id = inspect("c")["Id"];
    std::string merged = root_ + "/containers-storage/" + id + "/merged";
    ASSERT_EQ(::umount2(merged.c_str(), MNT_DETACH), 0);
    auto piped = run({"/bin/sh", "-c", std::string(BRIG_ET_BRIG) + " --root " + root_ + " export c | /bin/tar t | grep -c ."});
    ASSERT_EQ(piped.code, 0) << piped;
    EXPECT_EQ(std::stoul(piped.out), names.size());
    EXPECT_TRUE(mounts_below(merged).empty()) << "export left the root mounted";
    EXPECT_EQ(brig({"container", "export", "-o", dir_ + "/x.tar", "nope"}).code, 1);
}

TEST_F(Commit, HistoryShowsEachStepNewestFirst) {
    auto b = build_dir("FROM busybox\nENV A=1\nRUN echo hello > /hello\n", {"-t", "h"});
    ASSERT_EQ(b.code, 0) << b;
    auto h = brig({"history", "h"});
    ASSERT_EQ(h.code, 0) << h;
    auto rows = lines(h.out);
    ASSERT_EQ(rows.size(), 4u) << h.out;
    EXPECT_TRUE(rows[0].starts_with("IMAGE          CREATED")) << rows[0];
    EXPECT_NE(rows[0].find("CREATED BY"), std::string::npos);
    std::string id = json::parse(brig({"image", "inspect", "h"}).out)[0]["Id"];
    EXPECT_TRUE(rows[1].starts_with(id.substr(7, 12) + "   ")) << rows[1];
    EXPECT_NE(rows[1].find("echo hello > /hello"), std::string::npos) << rows[1];
    EXPECT_NE(rows[1].find("6B"), std::string::npos) << rows[1];
    EXPECT_TRUE(rows[2].starts_with("<missing>")) << rows[2];
    EXPECT_NE(rows[2].find("ENV A=1"), std::string::npos) << rows[2];
    EXPECT_NE(rows[2].find(" 0B "), std::string::npos) << rows[2];
    EXPECT_EQ(lines(brig({"history", "-q", "--no-trunc", "h"}).out),
              (std::vector<std::string>{id, "<missing>", "<missing>"}));
    EXPECT_EQ(brig({"image", "history", "--format", "{{.Size}}", "--human=false", "h"}).out, "6\n0\n1982670\n");
    auto missing = brig({"history", "nope"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("nope"), std::string::npos) << missing;
}

TEST_F(Commit, BuilderPruneClearsTheCacheAndTheMountsNoBuildHolds) {
    const std::string df = "FROM busybox\nRUN --mount=type=cache,target=/c echo x > /c/f && cp /c/f /f\n";
    ASSERT_EQ(build_dir(df, {"-t", "p"}).code, 0);
    ASSERT_GT(files_in(root_ + "/build-cache"), 0u);
    // Without -f it asks, and stdin says no: nothing goes.
    auto no = brig({"builder", "prune"}, 30s, "n\n");
    EXPECT_EQ(no.code, 1) << no;
    EXPECT_GT(files_in(root_ + "/build-cache"), 0u);
    // A cache mount a build holds stays.
    fs::create_directories(root_ + "/build-mounts/held");
    int held = ::open((root_ + "/build-mounts/held.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_SH), 0);
    auto p = brig({"builder", "prune", "-f"});
    ::close(held);
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("Deleted build cache objects:"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("Total reclaimed space: "), std::string::npos) << p.out;
    EXPECT_EQ(files_in(root_ + "/build-cache"), 0u);
    EXPECT_TRUE(fs::exists(root_ + "/build-mounts/held"));
    size_t dirs = 0;
    for (auto& e : fs::directory_iterator(root_ + "/build-mounts")) dirs += e.is_directory();
    EXPECT_EQ(dirs, 1u) << "an unused cache mount is left";
    // The image is still whole; the next build runs the step again.
    EXPECT_EQ(brig_run_image("p", {"--rm"}, {"cat", "/f"}).out, "x\n");
    auto again = build_dir(df, {"-t", "p"});
    ASSERT_EQ(again.code, 0) << again;
    EXPECT_EQ(again.err.find(" CACHED"), std::string::npos) << again.err;
    // image prune --build-cache does the same.
    auto ip = brig({"image", "prune", "--build-cache"});
    ASSERT_EQ(ip.code, 0) << ip;
    EXPECT_NE(ip.out.find("Deleted build cache objects:"), std::string::npos) << ip.out;
    EXPECT_EQ(files_in(root_ + "/build-cache"), 0u);
}

}  // namespace
}  // namespace brig::test
