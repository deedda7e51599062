#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace brig::it {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::string read_fd_from_start(int fd) {
    std::string out;
    char buf[8192];
    off_t off = 0;
    for (;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
        off += n;
    }
    return out;
}

ProcResult collect(int status, int out, int err) {
    ProcResult r;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = read_fd_from_start(out);
    r.err = read_fd_from_start(err);
    return r;
}

// The path of argv0 as the child will exec it: as is if it has a slash, else from $PATH.
std::string resolve_program(const std::string& argv0) {
    if (argv0.find('/') != std::string::npos) return argv0;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    std::string d;
    while (std::getline(dirs, d, ':')) {
        fs::path p = fs::path(d.empty() ? "." : d) / argv0;
        if (::access(p.c_str(), X_OK) == 0) return p.string();
    }
    return argv0;
}

std::string unique_suffix() {
    static std::mt19937 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 6; ++i) s += hex[rng() % 16];
    return s;
}

// Removes a tree without ever crossing into another filesystem: if a runtime leaked a
// mount (a bind of a host directory, say) under the temp dir, its contents stay untouched.
void remove_tree(const fs::path& p, dev_t dev, std::vector<std::string>& skipped) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return;
    if (st.st_dev != dev) {
        skipped.push_back(p.string());
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        std::error_code ec;
        std::vector<fs::path> children;
        for (const auto& e : fs::directory_iterator(p, ec)) children.push_back(e.path());
        for (const auto& c : children) remove_tree(c, dev, skipped);
        if (::rmdir(p.c_str()) != 0 && errno != ENOENT) skipped.push_back(p.string());
    } else if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
        skipped.push_back(p.string());
    }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

}  // namespace

// ---- processes ------------------------------------------------------------------------

std::string ProcResult::describe() const {
    std::string s;
    if (timed_out)
        s = "timed out";
    else if (signal)
        s = "killed by signal " + std::to_string(signal);
    else
        s = "exit " + std::to_string(exit_code);
    s += "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
    return s;
}

std::ostream& operator<<(std::ostream& os, const ProcResult& r) { return os << r.describe(); }

Child::Child(const std::vector<std::string>& argv, const ProcOptions& opts) {
    if (argv.empty()) throw std::invalid_argument("Child: empty argv");
    out_ = ::memfd_create("brig-it-stdout", MFD_CLOEXEC);
    err_ = ::memfd_create("brig-it-stderr", MFD_CLOEXEC);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out_ < 0 || err_ < 0 || devnull < 0) throw_errno("Child: memfd/open");

    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::string program = resolve_program(argv[0]);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    std::vector<std::string> env_storage;
    for (char** e = environ; e && *e; ++e) env_storage.emplace_back(*e);
    for (const auto& e : opts.env) env_storage.push_back(e);
    std::vector<char*> cenv;
    for (auto& e : env_storage) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    std::string cwd = opts.cwd.string();

    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0) {
        ::setpgid(0, 0);  // a group of our own: a timeout kills the runtime and its children
        ::dup2(devnull, 0);
        ::dup2(out_, 1);
        ::dup2(err_, 2);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
            ::dprintf(2, "brig-it: chdir %s: %s\n", cwd.c_str(), std::strerror(errno));
            ::_exit(127);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::close_range(3, ~0U, 0);
        ::execve(program.c_str(), cargv.data(), cenv.data());
        ::dprintf(2, "brig-it: exec %s: %s\n", program.c_str(), std::strerror(errno));
        ::_exit(127);
    }
    ::close(devnull);
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0) throw_errno("pidfd_open");
}

Child::~Child() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);  // our own child, by its pid
        int status;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    for (int fd : {pidfd_, out_, err_})
        if (fd >= 0) ::close(fd);
}

bool Child::running() {
    if (pid_ <= 0) return false;
    struct pollfd p {pidfd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
}

std::optional<ProcResult> Child::wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) throw std::logic_error("Child::wait: already reaped");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        struct pollfd p {pidfd_, POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("poll pidfd");
        if (n == 0) return std::nullopt;
        int status = 0;
        if (::waitpid(pid_, &status, 0) < 0) throw_errno("waitpid");
        pid_ = -1;
        return collect(status, out_, err_);
    }
}

namespace {
bool g_seen_timeout = false;  // once something hung, don't wait long again in this test
}

ProcResult run_process(const std::vector<std::string>& argv, const ProcOptions& opts) {
    Child child(argv, opts);
    auto timeout = g_seen_timeout ? std::min<std::chrono::milliseconds>(opts.timeout, 3s) : opts.timeout;
    if (auto r = child.wait(timeout)) return *r;
    g_seen_timeout = true;
    ::kill(-child.pid(), SIGKILL);  // the process group we made for it, by its id
    ::kill(child.pid(), SIGKILL);
    auto r = child.wait(10s);
    ProcResult res = r ? *r : ProcResult{};
    res.timed_out = true;
    return res;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
}

// ---- environment ----------------------------------------------------------------------

const std::string& runtime_path() {
    static const std::string path = [] {
        const char* env = std::getenv("BRIG_OCI");
        std::string p = (env && *env) ? env : BRIG_IT_DEFAULT_RUNTIME;
        return resolve_program(p);
    }();
    return path;
}

bool runtime_is_runc() {
    return fs::path(runtime_path()).filename().string().find("runc") != std::string::npos;
}

fs::path image_rootfs() { return BRIG_IT_ROOTFS; }
fs::path inspect_binary() { return BRIG_IT_INSPECT; }

uint64_t ns_inode(const std::string& pid, const std::string& type) {
    struct stat st {};
    std::string p = "/proc/" + pid + "/ns/" + type;
    if (::stat(p.c_str(), &st) != 0) throw_errno("stat " + p);
    return st.st_ino;
}

std::string ns_proc_name(const std::string& spec_type) {
    if (spec_type == "network") return "net";
    if (spec_type == "mount") return "mnt";
    return spec_type;  // pid, ipc, uts, user, cgroup, time
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
}

std::vector<std::string> mounts_mentioning(const std::string& needle) {
    std::vector<std::string> hits;
    std::stringstream ss(read_text("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(ss, line))
        if (line.find(needle) != std::string::npos) hits.push_back(line);
    return hits;
}

// Where test cgroups can live: each v1 hierarchy (and the hybrid unified mount) under
// /sys/fs/cgroup, and /sys/fs/cgroup itself on a pure v2 machine.
static std::vector<fs::path> cgroup_roots() {
    std::vector<fs::path> roots{"/sys/fs/cgroup"};
    std::error_code ec;
    for (const auto& h : fs::directory_iterator("/sys/fs/cgroup", ec))
        if (h.is_directory(ec) && h.path().filename() != "brig-test") roots.push_back(h.path());
    return roots;
}

std::vector<fs::path> cgroup_dirs(const std::string& id) {
    std::vector<fs::path> found;
    if (id.empty() || id.find('/') != std::string::npos) return found;
    std::error_code ec;
    for (const auto& root : cgroup_roots()) {
        fs::path d = root / "brig-test" / id;
        if (fs::is_directory(d, ec)) found.push_back(d);
    }
    return found;
}

void RuntimeTest::SetUp() {
    if (::geteuid() != 0) GTEST_SKIP() << "integration tests run containers and need root";
    ASSERT_EQ(::access(runtime_path().c_str(), X_OK), 0)
        << "runtime binary not found or not executable: " << runtime_path()
        << " (build brig-oci, or set BRIG_OCI=/path/to/runtime)";
    ASSERT_TRUE(fs::exists(image_rootfs() / "bin/busybox"))
        << "test image missing: " << image_rootfs() << " (built by the brig-rootfs target)";
    ASSERT_TRUE(fs::exists(inspect_binary())) << "brig-inspect missing: " << inspect_binary();
}

// ---- containers -----------------------------------------------------------------------

Container::Container() {
    std::string tmpl = "/tmp/brig-it-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw_errno("mkdtemp");
    dir_ = tmpl;
    // Traversable by everyone: a container in a user namespace runs as an unprivileged host uid.
    fs::permissions(dir_, fs::perms(0755));
    bundle_ = dir_ / "bundle";
    state_ = dir_ / "state";
    id_ = new_id();
    try {
        setup();
    } catch (...) {
        cleanup();
        throw;
    }
}

void Container::setup() {
    fs::create_directory(bundle_);
    auto cp = run_process({"cp", "-a", image_rootfs().string(), rootfs().string()});
    if (!cp.ok()) throw std::runtime_error("copy rootfs: " + cp.describe());
    fs::create_directories(rootfs() / "usr/bin");
    fs::copy_file(inspect_binary(), rootfs() / "usr/bin/brig-inspect", fs::copy_options::overwrite_existing);
    fs::permissions(rootfs() / "usr/bin/brig-inspect", fs::perms(0755));

    ProcOptions in_bundle;
    in_bundle.cwd = bundle_;
    auto spec = run_process({runtime_path(), "spec"}, in_bundle);
    if (!spec.ok()) throw std::runtime_error("`" + runtime_path() + " spec` failed: " + spec.describe());
    config_ = json::parse(read_text(bundle_ / "config.json"));
    config_["process"]["terminal"] = false;
    config_["root"]["readonly"] = false;  // tests that want a read-only root say so
    set_args({"/usr/bin/brig-inspect"});
}

Container::~Container() { cleanup(); }

std::string Container::new_id() {
    static int counter = 0;
    std::string id = "it" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" + unique_suffix();
    ids_.push_back(id);
    return id;
}

void Container::set_args(const std::vector<std::string>& args) { config_["process"]["args"] = args; }

fs::path Container::add_bind(const std::string& dest, const std::string& name,
                             const std::vector<std::string>& options) {
    fs::path host = dir_ / "host" / name;
    fs::create_directories(host);
    fs::permissions(host, fs::perms(0777));
    add_mount({{"destination", dest}, {"type", "bind"}, {"source", host.string()}, {"options", options}});
    return host;
}

void Container::write_config(const std::string& id) {
    config_["linux"]["cgroupsPath"] = "/brig-test/" + id;
    write_text(bundle_ / "config.json", config_.dump(2));
}

ProcResult Container::runtime_with(const std::vector<std::string>& global, const std::vector<std::string>& args,
                                   const ProcOptions& opts) {
    std::vector<std::string> argv{runtime_path()};
    argv.insert(argv.end(), global.begin(), global.end());
    argv.push_back("--root");
    argv.push_back(state_.string());
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, opts);
}

ProcResult Container::runtime(const std::vector<std::string>& args, const ProcOptions& opts) {
    return runtime_with({}, args, opts);
}

ProcResult Container::run(const std::vector<std::string>& flags) {
    write_config(id_);
    std::vector<std::string> args{"run"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--bundle", bundle_.string(), id_});
    return runtime(args);
}

ProcResult Container::create(const std::string& id) {
    if (std::find(ids_.begin(), ids_.end(), id) == ids_.end()) ids_.push_back(id);
    write_config(id);
    return runtime({"create", "--bundle", bundle_.string(), id});
}

ProcResult Container::start(const std::string& id) { return runtime({"start", id}); }

ProcResult Container::kill(const std::string& id, const std::string& signal) {
    if (signal.empty()) return runtime({"kill", id});
    return runtime({"kill", id, signal});
}

ProcResult Container::remove(const std::string& id, bool force) {
    if (force) return runtime({"delete", "--force", id});
    return runtime({"delete", id});
}

ProcResult Container::state(const std::string& id) { return runtime({"state", id}); }

json Container::state_json(const std::string& id) {
    auto r = state(id);
    if (!r.ok()) throw std::runtime_error("state " + id + " failed: " + r.describe());
    return parse_json_output(r);
}

json Container::wait_status(const std::string& id, const std::string& want, std::chrono::milliseconds timeout) {
    json last;
    wait_until(
        [&] {
            auto r = state(id);
            if (!r.ok()) return false;
            last = json::parse(r.out, nullptr, false);
            return !last.is_discarded() && last.value("status", "") == want;
        },
        timeout);
    return last;
}

Inspect Container::inspect() {
    set_args({"/usr/bin/brig-inspect"});
    auto r = run();
    if (!r.ok()) throw std::runtime_error("container run failed: " + r.describe());
    json j = parse_json_output(r);
    if (!j.is_object()) throw std::runtime_error("brig-inspect printed no report: " + r.describe());
    return j;
}

Inspect Container::inspect_ops(const std::vector<std::vector<std::string>>& ops) {
    std::vector<std::string> args{"/usr/bin/brig-inspect"};
    for (size_t i = 0; i < ops.size(); ++i) {
        if (i) args.push_back("--");
        args.insert(args.end(), ops[i].begin(), ops[i].end());
    }
    set_args(args);
    auto r = run();
    if (!r.ok()) throw std::runtime_error("container run failed: " + r.describe());
    json j = parse_json_output(r);
    if (!j.is_array() || j.size() != ops.size())
        throw std::runtime_error("brig-inspect printed no result array: " + r.describe());
    return j;
}

void Container::expect_nothing_left(const std::string& id) {
    EXPECT_FALSE(fs::exists(state_ / id)) << "state left behind: " << (state_ / id);
    EXPECT_EQ(mounts_mentioning(dir_.string()), std::vector<std::string>{})
        << "mounts left behind in the host mount namespace";
    auto cg = cgroup_dirs(id);
    std::vector<std::string> names;
    for (const auto& c : cg) names.push_back(c.string());
    EXPECT_EQ(names, std::vector<std::string>{}) << "cgroups left behind";
}

void Container::cleanup() noexcept {
    try {
        std::vector<std::string> leftovers;
        if (!dir_.empty() && fs::exists(state_)) {
            for (const auto& id : ids_) {
                runtime({"delete", "--force", id});
                if (fs::exists(state_ / id)) leftovers.push_back("state dir " + (state_ / id).string());
            }
        }
        // Cgroups: kill what is still inside (only processes of this test's containers can
        // be in /brig-test/<id>), then remove the directory.
        for (const auto& id : ids_) {
            for (const auto& cg : cgroup_dirs(id)) {
                leftovers.push_back("cgroup " + cg.string());
                auto pids = [&] {
                    std::vector<pid_t> v;
                    std::ifstream in(cg / "cgroup.procs");
                    for (pid_t p; in >> p;) v.push_back(p);
                    return v;
                };
                wait_until(
                    [&] {
                        auto v = pids();
                        for (pid_t p : v) ::kill(p, SIGKILL);
                        return v.empty();
                    },
                    3s);
                ::rmdir(cg.c_str());
            }
        }
        if (!dir_.empty()) {
            // Mounts the runtime left in our mount namespace under the temp dir: deepest first.
            std::vector<std::string> points;
            for (const auto& line : mounts_mentioning(dir_.string())) {
                std::stringstream ss(line);
                std::string f;
                for (int i = 0; i < 5 && ss >> f; ++i) {
                }
                if (f.starts_with(dir_.string())) points.push_back(f);
                leftovers.push_back("mount " + line);
            }
            std::sort(points.begin(), points.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
            for (const auto& p : points) ::umount2(p.c_str(), MNT_DETACH);

            struct stat st {};
            if (::lstat(dir_.c_str(), &st) == 0) {
                std::vector<std::string> skipped;
                remove_tree(dir_, st.st_dev, skipped);
                for (const auto& s : skipped) leftovers.push_back("could not remove " + s);
            }
        }
        // The shared parent of test cgroups goes once empty (fails harmlessly while in use).
        std::error_code ec;
        for (const auto& root : cgroup_roots()) {
            fs::path parent = root / "brig-test";
            if (fs::is_directory(parent, ec)) ::rmdir(parent.c_str());
        }
        if (!leftovers.empty())
            ADD_FAILURE() << "left behind after `delete --force` (now cleaned up):\n  " << join(leftovers, "\n  ");
    } catch (const std::exception& e) {
        ADD_FAILURE() << "cleanup failed: " << e.what();
    }
}

json parse_json_output(const ProcResult& r) {
    json j = json::parse(r.out, nullptr, false);
    if (j.is_discarded()) throw std::runtime_error("output is not JSON: " + r.describe());
    return j;
}

std::map<std::string, std::string> env_map(const Inspect& report) {
    std::map<std::string, std::string> m;
    for (const auto& e : report.at("env")) {
        std::string s = e.get<std::string>();
        auto eq = s.find('=');
        m[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
    }
    return m;
}

json find_mount(const Inspect& report, const std::string& where) {
    json found;
    for (const auto& m : report.at("mounts"))
        if (m.at("mount_point") == where) found = m;
    return found;
}

bool has_option(const std::string& options, const std::string& opt) {
    std::stringstream ss(options);
    std::string o;
    while (std::getline(ss, o, ','))
        if (o == opt) return true;
    return false;
}

}  // namespace brig::it
