// Integration test harness: runs the OCI runtime binary (brig-oci, or any runtime with
// runc's command line, chosen by $BRIG_OCI) on real containers and cleans up after them.
//
// Every test gets a Container: a private temp dir holding a bundle (a copy of the
// embedded busybox rootfs plus /usr/bin/brig-inspect, and a config.json from
// `<runtime> spec`) and a state root for `--root`. Its destructor force-deletes every
// container it created, then removes whatever the runtime left behind (cgroups under
// /brig-test/<id>, mounts under the temp dir) and reports such leftovers as failures.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace brig::it {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

// ---- processes ------------------------------------------------------------------------

struct ProcResult {
    int exit_code = -1;  // exit status, or -1 if the process did not exit normally
    int signal = 0;      // terminating signal, 0 if it exited
    bool timed_out = false;
    std::string out;
    std::string err;

    bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
    // "exit 1" / "signal 9" / "timed out", plus stdout and stderr: for failure messages.
    std::string describe() const;
};

std::ostream& operator<<(std::ostream& os, const ProcResult& r);

struct ProcOptions {
    fs::path cwd;                          // working directory; empty: inherit
    // Then the process and its process group (it gets one of its own) are killed. After a
    // first timeout the runtime is taken to hang and later calls in this process get 3s.
    std::chrono::milliseconds timeout = 10s;
    std::vector<std::string> env;          // extra NAME=VALUE entries
};

// Runs argv (argv[0] a path, or a name looked up in $PATH) in a new process group, stdin
// from /dev/null, stdout and stderr captured, every other descriptor closed. Waits for it
// to exit; on timeout kills its process group (the runtime and anything it forked).
ProcResult run_process(const std::vector<std::string>& argv, const ProcOptions& opts = {});

// A process running in the background; killed (SIGKILL, by its pid) and reaped on destruction.
class Child {
public:
    explicit Child(const std::vector<std::string>& argv, const ProcOptions& opts = {});
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    pid_t pid() const { return pid_; }
    bool running();
    // Waits until the process exits (up to opts.timeout from construction); nullopt on timeout.
    std::optional<ProcResult> wait(std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    int out_ = -1;
    int err_ = -1;
};

// Polls pred every few milliseconds until it is true or the timeout passes.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s);

// ---- environment ----------------------------------------------------------------------

const std::string& runtime_path();  // $BRIG_OCI, or the brig-oci built next to the tests
bool runtime_is_runc();             // for the few places where runc intentionally differs
fs::path image_rootfs();            // build/rootfs (scripts/mkrootfs.sh)
fs::path inspect_binary();          // the static brig-inspect helper

// Inode number of namespace `type` ("net", "mnt", ...) of a process ("self" or a pid).
uint64_t ns_inode(const std::string& pid, const std::string& type);
// The /proc/self/ns name of a runtime-spec namespace type ("network" -> "net").
std::string ns_proc_name(const std::string& spec_type);

std::string read_text(const fs::path& p);  // whole file; throws if unreadable
void write_text(const fs::path& p, const std::string& text);

// Lines of /proc/self/mountinfo that mention `needle`.
std::vector<std::string> mounts_mentioning(const std::string& needle);
// cgroup directories /sys/fs/cgroup/<hierarchy>/brig-test/<id> that exist.
std::vector<fs::path> cgroup_dirs(const std::string& id);

// Fixture base: skips when not root, fails clearly when the runtime binary is missing.
class RuntimeTest : public ::testing::Test {
protected:
    void SetUp() override;
};

// ---- containers -----------------------------------------------------------------------

// One JSON result of brig-inspect: an object (full report) or an array (operations).
using Inspect = json;

class Container {
public:
    Container();
    Container(const Container&) = delete;
    Container& operator=(const Container&) = delete;
    ~Container();

    const std::string& id() const { return id_; }
    std::string new_id();  // another unique id, cleaned up like the first

    const fs::path& dir() const { return dir_; }        // the private temp dir
    const fs::path& bundle() const { return bundle_; }  // dir/bundle
    fs::path rootfs() const { return bundle_ / "rootfs"; }
    const fs::path& state_root() const { return state_; }  // dir/state, passed as --root

    // config.json as JSON; edit it, it is written before each create/run.
    json& config() { return config_; }
    void set_args(const std::vector<std::string>& args);
    // Makes a fresh host directory dir/host/<name> and bind-mounts it at dest (options as given).
    fs::path add_bind(const std::string& dest, const std::string& name,
                      const std::vector<std::string>& options = {"rbind", "rw"});
    void add_mount(json mount) { config_["mounts"].push_back(std::move(mount)); }
    // Writes config.json, with linux.cgroupsPath = /brig-test/<id>.
    void write_config(const std::string& id);

    // <runtime> --root <state> args...
    ProcResult runtime(const std::vector<std::string>& args, const ProcOptions& opts = {});
    // Global options first: <runtime> global... --root <state> args...
    ProcResult runtime_with(const std::vector<std::string>& global, const std::vector<std::string>& args,
                            const ProcOptions& opts = {});

    ProcResult run(const std::vector<std::string>& flags = {});  // run [flags] --bundle B id
    ProcResult create(const std::string& id);
    ProcResult create() { return create(id_); }
    ProcResult start(const std::string& id);
    ProcResult start() { return start(id_); }
    ProcResult kill(const std::string& id, const std::string& signal = "");
    ProcResult remove(const std::string& id, bool force = false);
    ProcResult state(const std::string& id);
    // state, parsed; throws with the runtime's output if it fails.
    json state_json(const std::string& id);
    json state_json() { return state_json(id_); }
    // Polls state until status == want; returns the last state seen (or null).
    json wait_status(const std::string& id, const std::string& want, std::chrono::milliseconds timeout = 5s);

    // Runs the container with brig-inspect as the process and parses what it printed.
    Inspect inspect();                                          // full report (object)
    Inspect inspect_ops(const std::vector<std::vector<std::string>>& ops);  // array of results

    // Checks that nothing of container `id` is left: no state dir under --root, no mount
    // mentioning the temp dir, no cgroup dir /sys/fs/cgroup/*/brig-test/<id>.
    void expect_nothing_left(const std::string& id);

private:
    void setup();
    void cleanup() noexcept;

    std::string id_;
    std::vector<std::string> ids_;
    fs::path dir_, bundle_, state_;
    json config_;
};

// Parses brig-inspect's stdout; throws with the full run description if it is not JSON.
json parse_json_output(const ProcResult& r);

// The env array of a report as NAME -> VALUE.
std::map<std::string, std::string> env_map(const Inspect& report);
// The mount entry of a report for mount point `where` (the last one, as it is on top); null if none.
json find_mount(const Inspect& report, const std::string& where);
// Comma-separated option list contains opt.
bool has_option(const std::string& options, const std::string& opt);

}  // namespace brig::it
