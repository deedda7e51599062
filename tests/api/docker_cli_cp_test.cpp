// `docker cp` (docker.io 20.10) against `brig system service`: files and directories out of a
// running and a stopped container and into one (HEAD, GET and PUT /containers/{id}/archive), a
// missing path, the tar on stdout, the raw routes' errors, and symlinks in the container that
// point out of it: read, they are copied as links; written through, they stay in the root.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <fmt/core.h>

#include "docker_cli_fixture.hpp"

namespace brig::test {
namespace {

class DockerCliCp : public DockerCli {
protected:
    // A running container `c` with /file, /d/{f (0640), sub/g, link -> f}.
    void start_c() {
        auto p = docker_run({"-d", "--name", "c"}, {"sleep", "300"});
        ASSERT_EQ(p.code, 0) << p;
        p = docker({"exec", "c", "sh", "-c",
                    "echo one > /file && mkdir -p /d/sub && echo hi > /d/f && chmod 640 /d/f && "
                    "echo deep > /d/sub/g && ln -s f /d/link"});
        ASSERT_EQ(p.code, 0) << p;
    }
    void check_copied_out(const std::string& out) {
        EXPECT_EQ(slurp(out + "/file"), "one\n");
        EXPECT_EQ(slurp(out + "/d/f"), "hi\n");
        EXPECT_EQ(slurp(out + "/d/sub/g"), "deep\n");
        EXPECT_TRUE(fs::is_symlink(out + "/d/link"));
        EXPECT_EQ(fs::read_symlink(out + "/d/link"), "f");
        struct stat st {};
        ASSERT_EQ(::stat((out + "/d/f").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 07777, 0640u);
    }
    // A raw request with a binary body (curl --data-binary): the status and the body.
    std::pair<int, std::string> put_raw(const std::string& path, const std::string& body_file) {
        auto p = run({"/usr/bin/curl", "-s", "-w", "\n%{http_code}", "--unix-socket", sock_, "-X", "PUT", "-H",
                      "Content-Type: application/x-tar", "--data-binary", "@" + body_file, "http://brig/v1.41" + path});
        auto nl = p.out.rfind('\n');
        if (nl == std::string::npos) return {-1, p.out};
        return {std::atoi(p.out.c_str() + nl + 1), p.out.substr(0, nl)};
    }
};

TEST_F(DockerCliCp, CopiesFilesAndDirectoriesOutOfARunningAndAStoppedContainer) {
    ASSERT_NO_FATAL_FAILURE(start_c());
    for (const char* state : {"running", "stopped"}) {
        std::string out = fmt::format("{}/out-{}", dir_, state);
        fs::create_directories(out);
        auto p = docker({"cp", "c:/file", out});
        EXPECT_EQ(p.code, 0) << p;
        p = docker({"cp", "c:/d", out});
        EXPECT_EQ(p.code, 0) << p;
        check_copied_out(out);
        // "/." copies the directory's contents, to a new name.
        p = docker({"cp", "c:/d/.", out + "/contents"});
        EXPECT_EQ(p.code, 0) << p;
        EXPECT_EQ(slurp(out + "/contents/sub/g"), "deep\n");
        if (std::string(state) == "running") {
            ASSERT_EQ(docker({"kill", "c"}).code, 0);
        }
    }
    EXPECT_EQ(docker({"rm", "-f", "c"}).code, 0);
}

TEST_F(DockerCliCp, CopiesFilesAndDirectoriesIntoAContainer) {
    ASSERT_NO_FATAL_FAILURE(start_c());
    std::string in = dir_ + "/in";
    fs::create_directories(in + "/tree/sub");
    std::ofstream(in + "/payload") << "payload\n";
    ::chmod((in + "/payload").c_str(), 0750);
    std::ofstream(in + "/tree/a") << "a\n";
    std::ofstream(in + "/tree/sub/b") << "b\n";
    auto p = docker({"cp", in + "/payload", "c:/tmp/"});
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"cp", in + "/tree", "c:/tmp"});
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"cp", in + "/payload", "c:/tmp/renamed"});
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"exec", "c", "sh", "-c", "cat /tmp/payload /tmp/tree/a /tmp/tree/sub/b /tmp/renamed; stat -c %a /tmp/payload"});
    EXPECT_EQ(p.out, "payload\na\nb\npayload\n750\n") << p;
    // Into the stopped container: there once it runs again.
    ASSERT_EQ(docker({"kill", "c"}).code, 0);
    p = docker({"cp", in + "/tree/.", "c:/d"});
    EXPECT_EQ(p.code, 0) << p;
    ASSERT_EQ(docker({"start", "c"}).code, 0);
    p = docker({"exec", "c", "cat", "/d/a", "/d/sub/b", "/d/sub/g"});
    EXPECT_EQ(p.out, "a\nb\ndeep\n") << p;
    // A file over a directory is refused (docker's CLI asks noOverwriteDirNonDir).
    fs::create_directories(in + "/other");
    std::ofstream(in + "/other/sub") << "not a directory\n";
    p = docker({"cp", in + "/other/sub", "c:/d/"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("cannot overwrite directory"), std::string::npos) << p;
    EXPECT_EQ(docker({"exec", "c", "cat", "/d/sub/g"}).out, "deep\n");
    EXPECT_EQ(docker({"rm", "-f", "c"}).code, 0);
}

TEST_F(DockerCliCp, AMissingPathIsAnErrorNamingIt) {
    ASSERT_NO_FATAL_FAILURE(start_c());
    auto p = docker({"cp", "c:/nothing/here", dir_});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("/nothing/here"), std::string::npos) << p;
    p = docker({"cp", dir_ + "/service.log", "c:/nothing/here"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("/nothing"), std::string::npos) << p;
    auto [code, body] = http("GET", "/containers/c/archive?path=/nothing");
    EXPECT_EQ(code, 404);
    EXPECT_EQ(body.value("message", ""), "Could not find the file /nothing in container c") << body;
    EXPECT_EQ(http("GET", "/containers/nobody/archive?path=/file").first, 404);
    EXPECT_EQ(http("GET", "/containers/c/archive").first, 400);
    EXPECT_EQ(docker({"rm", "-f", "c"}).code, 0);
}

TEST_F(DockerCliCp, TarToStdoutAndTheRawPutsErrors) {
    ASSERT_NO_FATAL_FAILURE(start_c());
    auto p = docker({"cp", "c:/d", "-"});
    ASSERT_EQ(p.code, 0) << p;
    std::string tar = dir_ + "/d.tar";
    std::ofstream(tar, std::ios::binary) << p.out;
    p = run({"/bin/tar", "-tf", tar});
    EXPECT_EQ(p.out, "d/\nd/f\nd/link\nd/sub/\nd/sub/g\n") << p;
    // A gzip tar is taken too; a file as the directory, a missing one and garbage are not.
    ASSERT_EQ(run({"/bin/sh", "-c", fmt::format("gzip -c {} > {}.gz", tar, tar)}).code, 0);
    EXPECT_EQ(put_raw("/containers/c/archive?path=/tmp", tar + ".gz").first, 200);
    EXPECT_EQ(docker({"exec", "c", "cat", "/tmp/d/sub/g"}).out, "deep\n");
    auto [code, body] = put_raw("/containers/c/archive?path=/file", tar);
    EXPECT_EQ(code, 400) << body;
    EXPECT_NE(body.find("/file"), std::string::npos) << body;
    EXPECT_EQ(put_raw("/containers/c/archive?path=/nowhere", tar).first, 404);
    std::ofstream(dir_ + "/junk") << std::string(1024, 'x');
    std::tie(code, body) = put_raw("/containers/c/archive?path=/tmp", dir_ + "/junk");
    EXPECT_EQ(code, 400) << body;
    EXPECT_NE(body.find("invalid tar"), std::string::npos) << body;
    // An entry naming a path above the directory is refused before anything is written.
    std::string evil = dir_ + "/evil";
    fs::create_directories(evil);
    std::ofstream(evil + "/first") << "x\n";
    ASSERT_EQ(run({"/bin/tar", "-C", evil, "-cf", evil + ".tar", "first", "--transform", "s,^first,../../escaped,", "-P"}).code, 0);
    std::tie(code, body) = put_raw("/containers/c/archive?path=/tmp", evil + ".tar");
    EXPECT_EQ(code, 400) << body;
    EXPECT_NE(docker({"exec", "c", "ls", "/escaped"}).code, 0);
    EXPECT_EQ(docker({"rm", "-f", "c"}).code, 0);
}

TEST_F(DockerCliCp, SymlinksPointingOutOfTheContainerStayInside) {
    ASSERT_NO_FATAL_FAILURE(start_c());
    std::string host_dir = dir_ + "/hostside";
    fs::create_directories(host_dir);
    std::ofstream(host_dir + "/secret") << "host secret\n";
    std::string unique = fmt::format("brig-cp-escape-{}", ::getpid());
    auto p = docker({"exec", "c", "sh", "-c",
                     fmt::format("ln -s /etc/../../../.. /up && ln -s {0} /abs && mkdir -p {0}", host_dir)});
    ASSERT_EQ(p.code, 0) << p;
    // Read: the links are copied as links, and nothing of the host comes through them.
    std::string out = dir_ + "/out";
    fs::create_directories(out);
    // (docker's CLI itself refuses to extract a link that climbs out of its destination: the
    // tar it was sent holds the link.)
    p = docker({"cp", "c:/up", "-"});
    ASSERT_EQ(p.code, 0) << p;
    std::ofstream(dir_ + "/up.tar", std::ios::binary) << p.out;
    p = run({"/bin/tar", "-tvf", dir_ + "/up.tar"});
    EXPECT_NE(p.out.find("up -> /etc/../../../.."), std::string::npos) << p;
    EXPECT_EQ(lines(p.out).size(), 1u) << p;
    EXPECT_EQ(docker({"cp", "c:/abs", out}).code, 0);
    EXPECT_TRUE(fs::is_symlink(out + "/abs"));
    p = docker({"cp", "c:/abs/secret", out});
    EXPECT_NE(p.code, 0);
    EXPECT_FALSE(fs::exists(out + "/secret"));
    p = docker({"cp", "c:/up" + host_dir + "/secret", out});
    EXPECT_NE(p.code, 0);
    EXPECT_FALSE(fs::exists(out + "/secret"));
    // Written through: into the container's root and its own copy of the directory.
    std::string file = dir_ + "/" + unique;
    std::ofstream(file) << "inside\n";
    p = docker({"cp", file, "c:/up"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_FALSE(fs::exists("/" + unique));
    EXPECT_EQ(docker({"exec", "c", "cat", "/" + unique}).out, "inside\n");
    p = docker({"cp", file, "c:/abs"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_FALSE(fs::exists(host_dir + "/" + unique));
    EXPECT_EQ(docker({"exec", "c", "cat", host_dir + "/" + unique}).out, "inside\n");
    EXPECT_EQ(slurp(host_dir + "/secret"), "host secret\n");
    ::unlink(("/" + unique).c_str());  // only if the test failed
    EXPECT_EQ(docker({"rm", "-f", "c"}).code, 0);
}

TEST_F(DockerCliCp, ArchiveModeOwnsTheFilesByTheContainersUser) {
    auto p = docker_run({"-d", "--name", "u", "--user", "1234:2345"}, {"sleep", "300"});
    ASSERT_EQ(p.code, 0) << p;
    std::ofstream(dir_ + "/owned") << "x\n";
    p = docker({"cp", dir_ + "/owned", "u:/tmp/plain"});
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"cp", "-a", dir_ + "/owned", "u:/tmp/archived"});
    EXPECT_EQ(p.code, 0) << p;
    p = docker({"exec", "u", "stat", "-c", "%u:%g", "/tmp/plain", "/tmp/archived"});
    EXPECT_EQ(p.out, "0:0\n1234:2345\n") << p;
    EXPECT_EQ(docker({"rm", "-f", "u"}).code, 0);
}

}  // namespace
}  // namespace brig::test
