// Root tests of the image commands through the brig binary: load the embedded default image,
// images (table, -q, --format json), tag, save (docker-archive and oci-archive) + load back,
// import, rmi, image inspect, image prune. Each test uses its own --root.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "registry_fake_server.hpp"
#include "test_util.hpp"

using namespace brig::image::test;

namespace {

struct Out {
    int status = -1;
    std::string out;
};

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        if (!is_root()) GTEST_SKIP() << "needs root";
        if (::access(BRIG_IT_BRIG, X_OK) != 0) GTEST_SKIP() << "no brig binary";
    }
    Out brig(const std::string& args) {
        std::string cmd = std::string(BRIG_IT_BRIG) + " --root " + tmp.path() + "/root " + args + " 2>&1";
        Out o;
        FILE* p = ::popen(cmd.c_str(), "r");
        std::array<char, 4096> buf;
        size_t n;
        while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) o.out.append(buf.data(), n);
        int st = ::pclose(p);
        o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        return o;
    }
    TempDir tmp;
};

}  // namespace

TEST_F(Cli, LoadImagesTagSaveRoundTrip) {
    auto r = brig(std::string("load -i ") + BRIG_IT_DEFAULT_IMAGE);
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, "Loaded image: busybox:latest\n");
    r = brig("images");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(r.out.starts_with("REPOSITORY")) << r.out;
    EXPECT_NE(r.out.find("busybox"), std::string::npos);
    auto id = brig("images -q");
    ASSERT_EQ(id.status, 0);
    ASSERT_EQ(id.out.size(), 13u) << id.out;
    r = brig("images --format json");
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["Repository"], "busybox");
    EXPECT_EQ(j["Tag"], "latest");
    ASSERT_EQ(brig("tag busybox localhost/mine:2").status, 0);
    r = brig("images --format '{{.Repository}}:{{.Tag}}'");
    EXPECT_NE(r.out.find("localhost/mine:2\n"), std::string::npos) << r.out;
    r = brig("image inspect -f '{{.Id}}' mine:2");
    EXPECT_EQ(r.status, 1) << r.out;  // docker.io/library/mine:2 does not exist
    r = brig("image inspect localhost/mine:2");
    ASSERT_EQ(r.status, 0) << r.out;
    auto inspect = nlohmann::json::parse(r.out);
    EXPECT_EQ(inspect[0]["Id"].get<std::string>().substr(7, 12), id.out.substr(0, 12));
    EXPECT_EQ(inspect[0]["Config"]["Cmd"], nlohmann::json({"sh"}));

    for (std::string fmt : {"docker-archive", "oci-archive"}) {
        std::string file = tmp.path() + "/saved-" + fmt + ".tar";
        r = brig("save --format " + fmt + " -o " + file + " busybox localhost/mine:2");
        ASSERT_EQ(r.status, 0) << r.out;
        std::string other = std::string(BRIG_IT_BRIG) + " --root " + tmp.path() + "/other-" + fmt;
        ASSERT_EQ(std::system((other + " load -i " + file + " >/dev/null").c_str()), 0);
        FILE* p = ::popen((other + " images -q").c_str(), "r");
        char line[64] = {};
        ASSERT_TRUE(std::fgets(line, sizeof line, p));
        ::pclose(p);
        EXPECT_EQ(std::string(line), id.out) << fmt;
    }
    r = brig("rmi localhost/mine:2");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, "Untagged: localhost/mine:2\n");
    r = brig("rmi nope");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("No such image: nope"), std::string::npos) << r.out;
    r = brig("rmi busybox");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("Deleted: sha256:"), std::string::npos);
    r = brig("image prune -a -f");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("Total reclaimed space: 1."), std::string::npos) << r.out;
    EXPECT_EQ(brig("images -q").out, "");
}

TEST_F(Cli, ImportAndErrors) {
    std::string tar = tmp.path() + "/rootfs.tar.gz";
    write_file(tar, gzip(TarBuilder().file("hello", "hi").str()));
    auto r = brig("import -c 'CMD [\"/hello\"]' " + tar + " imported:1");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(r.out.starts_with("sha256:")) << r.out;
    r = brig("image inspect -f '{{json .Config.Cmd}}' imported:1");
    EXPECT_EQ(r.out, "[\"/hello\"]\n");
    write_file(tmp.path() + "/junk", "not a tar at all, really not");
    r = brig("load -i " + tmp.path() + "/junk");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("not an image archive"), std::string::npos) << r.out;
    r = brig("load -i /nonexistent.tar");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("/nonexistent.tar"), std::string::npos) << r.out;
    r = brig("save -o " + tmp.path() + "/x.tar nope:1");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(::access((tmp.path() + "/x.tar").c_str(), F_OK), 0);
    EXPECT_NE(::access((tmp.path() + "/x.tar.brig-tmp").c_str(), F_OK), 0);
    r = brig("tag imported:1 'Bad:Name'");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("lowercase"), std::string::npos) << r.out;
}

TEST_F(Cli, ImportFromAUrlStreamsTheTarball) {
    std::string tgz = gzip(TarBuilder().file("etc/motd", "from http").file("bin/x", "x", 0755).str());
    brig::registry::testing::FakeHttpServer server([&](const brig::registry::testing::FakeRequest& req) {
        brig::registry::testing::FakeResponse r;
        if (req.path == "/rootfs.tar.gz") {
            r.body = tgz;
            r.chunk = 256;  // arrives in pieces
        } else if (req.path == "/cut.tar.gz") {
            r.body = tgz;
            r.cut_after = tgz.size() / 2;
        } else {
            r.status = 404;
            r.body = "no such file";
        }
        return r;
    });
    auto r = brig("import " + server.base() + "/rootfs.tar.gz web:1");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(r.out.starts_with("sha256:")) << r.out;
    r = brig("image inspect -f '{{.RootFS.Layers}}' web:1");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find(brig::image::sha256_of(TarBuilder().file("etc/motd", "from http").file("bin/x", "x", 0755).str()).str()),
              std::string::npos) << r.out;

    r = brig("import " + server.base() + "/missing.tar missing:1");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("HTTP status 404"), std::string::npos) << r.out;
    r = brig("import " + server.base() + "/cut.tar.gz cut:1");
    EXPECT_EQ(r.status, 1) << r.out;
    r = brig("images -q cut");
    EXPECT_EQ(r.out, "") << r.out;
    r = brig("import http://127.0.0.1:1/x.tar nothere:1");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("http://127.0.0.1:1/x.tar"), std::string::npos) << r.out;
}

TEST_F(Cli, LoadDrawsLayerProgressOnATerminalOnly) {
    if (::access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "no script(1) to give brig a terminal";
    // script(1) runs brig on a pseudo-terminal; the existing tests show the plain output off one.
    std::string cmd = std::string("/usr/bin/script -qec '") + BRIG_IT_BRIG + " --root " + tmp.path() + "/root load -i " +
                      BRIG_IT_DEFAULT_IMAGE + "' /dev/null";
    auto run = [&] {
        std::string out;
        FILE* p = ::popen(cmd.c_str(), "r");
        std::array<char, 4096> buf;
        size_t n;
        while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
        EXPECT_EQ(::pclose(p), 0) << out;
        return out;
    };
    std::string first = run();
    // (": Loading layer [===>  ] 1.2MB/3.4MB" shows while a layer is read; this one is too quick
    // to be sure of a redraw in between, so only the final state is checked.)
    EXPECT_NE(first.find(": Loaded\r"), std::string::npos) << first;
    EXPECT_NE(first.find("\x1b["), std::string::npos) << first;  // redrawn in place
    EXPECT_NE(first.find("Loaded image: busybox:latest"), std::string::npos) << first;
    std::string again = run();
    EXPECT_NE(again.find(": Already exists"), std::string::npos) << again;
    auto quiet = brig(std::string("load -q -i ") + BRIG_IT_DEFAULT_IMAGE);
    EXPECT_EQ(quiet.out, "Loaded image: busybox:latest\n");
}
