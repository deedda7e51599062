// Rootless brig (engine/rootless.hpp): the test runs as root, inside a network + mount namespace
// of its own (fixture.hpp's IsolatedNetwork), creates an unprivileged user with a /etc/subuid
// range (useradd), and runs brig as that user: load, run (uid 0 inside, root-owned image files),
// a published port served by pasta (and shown by port, ps, inspect), stop/rm, and nothing left
// behind. The user, its files and its processes are removed at the end, also when the test fails.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include "fixture.hpp"

namespace brig::test {
namespace {

bool executable(const char* p) { return access(p, X_OK) == 0; }

// One HTTP/1.0 GET on 127.0.0.1:port; the whole answer ("" when the connection fails).
std::string http_get(int port, const std::string& path) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return "";
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{3, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
        if (write(s, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
            char buf[4096];
            ssize_t n;
            while ((n = read(s, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
        }
    }
    close(s);
    return out;
}

// Pids of the processes owned by uid (real uid).
std::vector<pid_t> processes_of(uid_t uid) {
    std::vector<pid_t> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        struct stat st {};
        if (stat(e.path().c_str(), &st) == 0 && st.st_uid == uid) out.push_back(std::stoi(name));
    }
    return out;
}

std::string comm_of(pid_t pid) {
    std::string c = slurp("/proc/" + std::to_string(pid) + "/comm");
    while (!c.empty() && c.back() == '\n') c.pop_back();
    return c;
}

class Rootless : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root (it creates a user)";
        if (!g_net_isolated) GTEST_SKIP() << "no network namespace of its own";
        for (const char* p : {"/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv", "/usr/bin/newuidmap",
                              "/usr/bin/pasta", "/usr/sbin/ip"})
            if (!executable(p) && !executable((std::string("/bin/") + fs::path(p).filename().string()).c_str()))
                GTEST_SKIP() << p << " is missing (scripts/deps.sh installs it)";
        std::string id = rand_id();
        dir_ = "/tmp/brig-rootless-" + id;
        user_ = "brigrl" + std::to_string(std::random_device{}() % 100000000);
        fs::create_directories(dir_);
        fs::permissions(dir_, fs::perms(0755));
        home_ = dir_ + "/home";
        run_dir_ = dir_ + "/run";
        // Pasta needs a host interface with a default route: a veth pair in our namespace.
        ASSERT_EQ(run({ip(), "link", "add", "brl0", "type", "veth", "peer", "name", "brl1"}).code, 0);
        ASSERT_EQ(run({ip(), "addr", "add", "10.203.0.2/24", "dev", "brl0"}).code, 0);
        ASSERT_EQ(run({ip(), "link", "set", "brl0", "up"}).code, 0);
        ASSERT_EQ(run({ip(), "link", "set", "brl1", "up"}).code, 0);
        ASSERT_EQ(run({ip(), "route", "add", "default", "via", "10.203.0.1"}).code, 0);
        // /dev/net/tun may be root-only here: a usable node bound over it in our mount namespace
        // only (the user's brig namespaces start from this one).
        std::string tun_dir = dir_ + "/tun";
        fs::create_directories(tun_dir);
        ASSERT_EQ(mount("tmpfs", tun_dir.c_str(), "tmpfs", 0, "mode=755"), 0) << strerror(errno);
        tun_mounted_ = true;
        ASSERT_EQ(mknod((tun_dir + "/tun").c_str(), S_IFCHR | 0666, makedev(10, 200)), 0) << strerror(errno);
        chmod((tun_dir + "/tun").c_str(), 0666);
        ASSERT_EQ(mount((tun_dir + "/tun").c_str(), "/dev/net/tun", nullptr, MS_BIND, nullptr), 0) << strerror(errno);
        tun_bound_ = true;

        auto p = run({"/usr/sbin/useradd", "-m", "-d", home_, "-s", "/bin/sh", user_});
        ASSERT_EQ(p.code, 0) << p;
        user_made_ = true;
        passwd* pw = getpwnam(user_.c_str());
        ASSERT_NE(pw, nullptr);
        uid_ = pw->pw_uid;
        gid_ = pw->pw_gid;
        // A subordinate range of its own (useradd usually allocates one already).
        if (slurp("/etc/subuid").find(user_ + ":") == std::string::npos ||
            slurp("/etc/subgid").find(user_ + ":") == std::string::npos) {
            p = run({"/usr/sbin/usermod", "--add-subuids", "3100000-3165535", "--add-subgids", "3100000-3165535", user_});
            ASSERT_EQ(p.code, 0) << p;
        }
        fs::create_directories(run_dir_);
        ASSERT_EQ(chown(run_dir_.c_str(), uid_, gid_), 0);
        fs::permissions(run_dir_, fs::perms(0700));
    }

    void TearDown() override {
        if (user_made_) {
            // Whatever of this user still runs was started by this test.
            for (int round = 0; round < 50; ++round) {
                auto pids = processes_of(uid_);
                if (pids.empty()) break;
                for (pid_t pid : pids) kill(pid, SIGKILL);
                std::this_thread::sleep_for(20ms);
            }
            run({"/usr/sbin/userdel", "-r", "-f", user_});
        }
        if (tun_bound_) umount2("/dev/net/tun", MNT_DETACH);
        if (tun_mounted_) umount2((dir_ + "/tun").c_str(), MNT_DETACH);
        run({ip(), "link", "del", "brl0"});
        if (!dir_.empty()) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    static std::string ip() { return executable("/usr/sbin/ip") ? "/usr/sbin/ip" : "/bin/ip"; }

    // brig as the user, with a clean environment (HOME, XDG_RUNTIME_DIR, PATH).
    Proc as_user(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
        std::vector<std::string> argv = {"/usr/bin/setpriv", "--reuid=" + std::to_string(uid_),
                                         "--regid=" + std::to_string(gid_), "--init-groups", "/usr/bin/env", "-i",
                                         "HOME=" + home_, "XDG_RUNTIME_DIR=" + run_dir_,
                                         "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", BRIG_ET_BRIG};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, timeout);
    }

    pid_t pause_pid() {
        std::istringstream in(slurp(run_dir_ + "/brig/pause.pid"));
        long pid = 0;
        in >> pid;
        return static_cast<pid_t>(pid);
    }

    std::string dir_, home_, run_dir_, user_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    bool user_made_ = false, tun_mounted_ = false, tun_bound_ = false;
};

TEST_F(Rootless, RunAsUnprivilegedUser) {
    auto p = as_user({"load", "-i", BRIG_ET_IMAGE});
    ASSERT_EQ(p.code, 0) << p;
    // State in the user's home; the pause process holds the namespaces.
    EXPECT_TRUE(fs::exists(home_ + "/.local/share/brig")) << p;
    pid_t pause = pause_pid();
    ASSERT_GT(pause, 0);
    EXPECT_EQ(comm_of(pause), "brig-pause");
    // The full subordinate range is mapped (newuidmap), the user as root.
    std::string map = slurp("/proc/" + std::to_string(pause) + "/uid_map");
    EXPECT_EQ(lines(map).size(), 2u) << map;

    p = as_user({"info"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("Rootless: true"), std::string::npos) << p;
    EXPECT_NE(p.out.find("Cgroups: none"), std::string::npos) << p;

    p = as_user({"run", "--rm", "busybox", "id"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_TRUE(p.out.starts_with("uid=0(root) gid=0(root)")) << p;

    // The image's files are root's inside, though unpacked by the user.
    p = as_user({"run", "--rm", "busybox", "stat", "-c", "%u:%g", "/bin/busybox", "/etc/passwd", "/bin"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "0:0\n0:0\n0:0\n") << p;

    // --network none: only lo.
    p = as_user({"run", "--rm", "--network", "none", "busybox", "sh", "-c", "ip -o link | cut -d: -f2"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, " lo\n") << p;

    // No cgroups for this user: resource limits are refused, naming the flag.
    p = as_user({"run", "--rm", "--memory", "64m", "busybox", "true"});
    EXPECT_NE(p.code, 0) << p;
    EXPECT_NE(p.err.find("--memory"), std::string::npos) << p;
    EXPECT_NE(p.err.find("cgroup"), std::string::npos) << p;

    // A published port, through pasta, on this (the test's) network namespace.
    p = as_user({"run", "-d", "-p", "18080:80", "--name", "web", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc"});
    ASSERT_EQ(p.code, 0) << p;
    std::string answer;
    EXPECT_TRUE(eventually([&] {
        answer = http_get(18080, "/passwd");
        return answer.find("200 OK") != std::string::npos;
    })) << answer;
    EXPECT_NE(answer.find("root:x:0:0"), std::string::npos) << answer;
    // The server runs as the user on the host.
    bool httpd_as_user = false;
    for (pid_t pid : processes_of(uid_))
        if (comm_of(pid) == "httpd") httpd_as_user = true;
    EXPECT_TRUE(httpd_as_user);
    // The published port shows as for a root container: port, ps, inspect.
    p = as_user({"port", "web"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "80/tcp -> 0.0.0.0:18080\n") << p;
    p = as_user({"port", "web", "80"});
    EXPECT_EQ(p.out, "0.0.0.0:18080\n") << p;
    p = as_user({"ps"});
    EXPECT_EQ(p.code, 0) << p;
    EXPECT_NE(p.out.find("0.0.0.0:18080->80/tcp"), std::string::npos) << p;
    p = as_user({"inspect", "web"});
    ASSERT_EQ(p.code, 0) << p;
    auto ports = json::parse(p.out)[0]["NetworkSettings"]["Ports"];
    EXPECT_EQ(ports.dump(), R"({"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18080"}]})") << p;

    p = as_user({"stop", "-t", "1", "web"});
    EXPECT_EQ(p.code, 0) << p;
    p = as_user({"rm", "web"});
    EXPECT_EQ(p.code, 0) << p;
    p = as_user({"ps", "-a", "-q"});
    EXPECT_EQ(p.out, "") << p;

    // Nothing left but the pause process, and no mounts in its namespace.
    EXPECT_TRUE(eventually([&] {
        auto pids = processes_of(uid_);
        return pids.size() == 1 && pids[0] == pause;
    })) << "processes of the user: " << processes_of(uid_).size();
    std::string mounts = slurp("/proc/" + std::to_string(pause) + "/mountinfo");
    EXPECT_EQ(mounts.find(home_), std::string::npos) << mounts;
    EXPECT_EQ(kill(pause, SIGTERM), 0);
    EXPECT_TRUE(eventually([&] { return processes_of(uid_).empty(); }));
}

// brig build as the user: RUN in a rootless container, COPY with --chown, the layers in the
// user's store; the image runs with the files owned as built.
TEST_F(Rootless, BuildAsUnprivilegedUser) {
    auto p = as_user({"load", "-i", BRIG_ET_IMAGE});
    ASSERT_EQ(p.code, 0) << p;
    std::string ctx = home_ + "/ctx";
    fs::create_directories(ctx);
    std::ofstream(ctx + "/Dockerfile") << "FROM busybox\nRUN echo built > /built && mkdir /owned\n"
                                          "COPY --chown=1000:1000 file.txt /owned/\nRUN rm /etc/motd 2>/dev/null; true\n";
    std::ofstream(ctx + "/file.txt") << "copied\n";
    for (auto& f : {ctx, ctx + "/Dockerfile", ctx + "/file.txt"}) ASSERT_EQ(chown(f.c_str(), uid_, gid_), 0);
    p = as_user({"build", "--progress", "plain", "--network", "none", "-t", "rl-built", ctx}, 120s);
    ASSERT_EQ(p.code, 0) << p;
    p = as_user({"run", "--rm", "rl-built", "sh", "-c", "cat /built /owned/file.txt; stat -c %u:%g /owned/file.txt /built"});
    ASSERT_EQ(p.code, 0) << p;
    EXPECT_EQ(p.out, "built\ncopied\n1000:1000\n0:0\n") << p;
}

}  // namespace
}  // namespace brig::test
