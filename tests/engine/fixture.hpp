// The engine test fixture (header-only), shared by every root integration test of tests/engine:
// real containers through the brig binary. Each test gets its own --root in a temp dir, a
// private copy of the busybox rootfs (plus brig-probe when the suite has it), and the cgroup
// parent /brig-test/<suite>-<id>. Containers get brig's default network (bridge), so every test
// process first moves into a network and mount namespace of its own (IsolatedNetwork below):
// bridges, veths, nftables rules and netns files exist only there, never on the host. The
// fixture's teardown removes every container, kills monitors the test started, and removes
// cgroups, mounts and files, also when a test fails.
//
// A test executable using it defines BRIG_ET_BRIG (the brig binary), BRIG_ET_ROOTFS (the busybox
// rootfs dir) and optionally BRIG_ET_PROBE (the static brig-probe), and links brig_network.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "network/rtnl.hpp"

namespace brig::test {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

struct Proc {
    int code = -1;
    std::string out, err;
};

inline std::ostream& operator<<(std::ostream& os, const Proc& p) {
    return os << "exit " << p.code << "\nstdout: " << p.out << "\nstderr: " << p.err;
}

// Runs argv with stdin from `input` (or an empty pipe), capturing stdout and stderr; kills its
// process group after `timeout` (the result is then 128 + SIGKILL).
inline Proc run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s, const std::string& input = "") {
    int out[2], err[2], in[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        std::vector<char*> a;
        for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
        a.push_back(nullptr);
        execv(a[0], a.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    close(in[0]);
    if (!input.empty()) (void)!write(in[1], input.data(), input.size());
    close(in[1]);
    Proc p;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int open_fds = 2;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(-pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
        for (auto& f : fds) {
            if (f.fd < 0 || !f.revents) continue;
            char buf[4096];
            ssize_t n = read(f.fd, buf, sizeof buf);
            if (n > 0) {
                (&f == &fds[0] ? p.out : p.err).append(buf, static_cast<size_t>(n));
            } else {
                close(f.fd);
                f.fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) close(f.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    p.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return p;
}

// Starts argv with stdin/stdout/stderr on /dev/null and returns its pid (the caller waits,
// e.g. after killing it at a chosen moment).
inline pid_t spawn_quiet(const std::vector<std::string>& argv) {
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        std::vector<char*> a;
        for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
        a.push_back(nullptr);
        execv(a[0], a.data());
        _exit(127);
    }
    return pid;
}

// SIGKILLs argv (spawn_quiet) after `delay` and reaps it.
inline void run_killed_after(const std::vector<std::string>& argv, std::chrono::milliseconds delay) {
    pid_t pid = spawn_quiet(argv);
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
}

inline std::string rand_id() {
    std::random_device rd;
    return std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000);
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return pred();
}

inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

// Each test process (ctest runs one test per process) gets a network and mount namespace of its
// own before any test runs. Registered once per executable (an inline variable).
inline bool g_net_isolated = false;
class IsolatedNetwork : public ::testing::Environment {
public:
    void SetUp() override {
        if (geteuid() != 0) return;
        if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) return;
        if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return;
        g_net_isolated = static_cast<bool>(brig::network::rtnl::set_up("lo"));
    }
};
[[maybe_unused]] inline const auto* g_isolated_env = ::testing::AddGlobalTestEnvironment(new IsolatedNetwork);

class EngineFixture : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root";
        ASSERT_TRUE(g_net_isolated) << "could not enter a network namespace of the test's own";
        id_ = rand_id();
        std::string suite = ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name();
        std::transform(suite.begin(), suite.end(), suite.begin(), [](unsigned char c) { return std::tolower(c); });
        char tmpl[] = "/tmp/brig-engine-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        root_ = dir_ + "/root";
        rootfs_ = dir_ + "/rootfs";
        cgroup_parent_ = "/brig-test/" + suite + "-" + id_;
        ASSERT_EQ(run({"/bin/cp", "-a", BRIG_ET_ROOTFS, rootfs_}).code, 0);
#ifdef BRIG_ET_PROBE
        ASSERT_EQ(run({"/bin/cp", BRIG_ET_PROBE, rootfs_ + "/bin/brig-probe"}).code, 0);
#endif
    }

    void TearDown() override {
        if (dir_.empty()) return;
        // Remove every container (this also stops monitors); then kill monitors still alive.
        for (const auto& id : lines(brig({"ps", "-a", "-q", "--no-trunc"}).out)) brig({"rm", "-f", id});
        for (const auto& pid : monitor_pids()) kill(pid, SIGKILL);
        remove_cgroups();
        // Nothing may stay mounted below the test dir.
        run({"/bin/sh", "-c", "grep -o ' " + dir_ + "[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l"});
        fs::remove_all(dir_);
    }

    // The pids of live brig-monitor processes of this test's containers (from state.json).
    std::vector<pid_t> monitor_pids() {
        std::vector<pid_t> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(root_ + "/containers", ec)) {
            auto text = slurp(e.path().string() + "/state.json");
            if (text.empty()) continue;
            try {
                auto j = json::parse(text);
                pid_t p = j.value("monitor_pid", 0);
                if (p > 0 && fs::exists("/proc/" + std::to_string(p))) {
                    // Only a brig-monitor: never signal a pid that was reused by something else.
                    auto exe = fs::read_symlink("/proc/" + std::to_string(p) + "/exe", ec).string();
                    if (exe.ends_with("brig-monitor")) out.push_back(p);
                }
            } catch (...) {
            }
        }
        return out;
    }

    // Every cgroup directory of this test (the parent and all below it, in every hierarchy).
    std::vector<fs::path> cgroup_dirs() {
        std::vector<fs::path> dirs;
        std::error_code ec;
        for (const auto& base : fs::directory_iterator("/sys/fs/cgroup", ec)) {
            fs::path p = base.path() / cgroup_parent_.substr(1);
            if (!fs::is_directory(p, ec)) continue;
            for (const auto& sub : fs::recursive_directory_iterator(p, ec))
                if (sub.is_directory(ec)) dirs.push_back(sub.path());
            dirs.push_back(p);
        }
        std::sort(dirs.begin(), dirs.end(),
                  [](const fs::path& a, const fs::path& b) { return a.string().size() > b.string().size(); });
        return dirs;
    }

    void remove_cgroups() {
        auto dirs = cgroup_dirs();
        // Processes still in the test's own cgroups (a container that escaped cleanup) go first.
        for (int attempt = 0; attempt < 50; ++attempt) {
            bool any = false;
            for (const auto& d : dirs) {
                std::istringstream procs(slurp((d / "cgroup.procs").string()));
                for (pid_t pid; procs >> pid;) {
                    kill(pid, SIGKILL);
                    any = true;
                }
            }
            if (!any) break;
            std::this_thread::sleep_for(20ms);
        }
        for (const auto& d : dirs) rmdir(d.c_str());
        std::error_code ec;
        for (const auto& base : fs::directory_iterator("/sys/fs/cgroup", ec)) {
            fs::path p = base.path() / "brig-test";
            rmdir(p.c_str());  // only succeeds when empty (other tests may be using it)
        }
    }

    // The argv of `brig --root ROOT args...`.
    std::vector<std::string> brig_argv(std::vector<std::string> args) const {
        args.insert(args.begin(), {BRIG_ET_BRIG, "--root", root_});
        return args;
    }

    Proc brig(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s, const std::string& input = "") {
        return run(brig_argv(std::move(args)), timeout, input);
    }

    // run with the test's rootfs and cgroup parent: brig run [flags] --rootfs ROOTFS cmd...
    Proc brig_run(std::vector<std::string> flags, const std::vector<std::string>& cmd, std::chrono::milliseconds timeout = 60s) {
        std::vector<std::string> args = {"run", "--cgroup-parent", cgroup_parent_};
        args.insert(args.end(), flags.begin(), flags.end());
        args.insert(args.end(), {"--rootfs", rootfs_});
        args.insert(args.end(), cmd.begin(), cmd.end());
        return brig(args, timeout);
    }

    // run an image with the test's cgroup parent: brig run [flags] IMAGE cmd...
    Proc brig_run_image(const std::string& image, std::vector<std::string> flags, const std::vector<std::string>& cmd,
                        std::chrono::milliseconds timeout = 60s) {
        std::vector<std::string> args = {"run", "--cgroup-parent", cgroup_parent_};
        args.insert(args.end(), flags.begin(), flags.end());
        args.push_back(image);
        args.insert(args.end(), cmd.begin(), cmd.end());
        return brig(args, timeout);
    }

    json inspect(const std::string& ref) {
        auto p = brig({"inspect", ref});
        if (p.code != 0) return json();
        return json::parse(p.out)[0];
    }

    // The content of a cgroup file of container `id` (v1 controller dir, else the v2 tree).
    std::string cgroup_file(const std::string& id, const std::string& v1_controller, const std::string& file) {
        for (const std::string& base : {"/sys/fs/cgroup/" + v1_controller, std::string("/sys/fs/cgroup/unified"),
                                        std::string("/sys/fs/cgroup")}) {
            std::string p = base + cgroup_parent_ + "/" + id + "/" + file;
            if (fs::exists(p)) return slurp(p);
        }
        return "";
    }

    // Mount points below the test's dir (from the test process's mount namespace).
    std::vector<std::string> mounts_below(const std::string& prefix) {
        std::vector<std::string> out;
        std::istringstream in(slurp("/proc/self/mountinfo"));
        for (std::string l; std::getline(in, l);) {
            std::istringstream f(l);
            std::string a, b, c, d, mp;
            f >> a >> b >> c >> d >> mp;
            if (mp.starts_with(prefix)) out.push_back(mp);
        }
        return out;
    }

    std::string id_, dir_, root_, rootfs_, cgroup_parent_;
};

}  // namespace brig::test
