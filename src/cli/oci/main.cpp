// brig-oci: an OCI runtime with runc's command line. Thin: every operation is a call into
// libbrig's runtime; this file only parses flags, prints and logs.
#include <fcntl.h>
#include <malloc.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <array>
#include <nlohmann/json.hpp>

#include "cli/oci/args.hpp"
#include "cli/oci/cgroup_cmds.hpp"
#include "cli/oci/early_entry.hpp"
#include "common/time.hpp"
#include "linux/fs.hpp"
#include "linux/selfexe.hpp"
#include "linux/signals.hpp"
#include "oci/spec.hpp"
#include "runtime/container.hpp"

using namespace brig;

namespace {

struct Globals {
    std::string root = "/run/brig-oci";
    std::string log_file;
    bool log_json = false;
    bool debug = false;
    bool systemd_cgroup = false;
};

Globals g;

// Errors go to stderr and, with --log, to the log file (JSON lines that containerd and
// conmon read back to show the user the cause).
void log_line(const char* level, const std::string& msg) {
    if (g.log_file.empty()) return;
    int fd = ::open(g.log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    std::string line;
    if (g.log_json) {
        nlohmann::json j = {{"level", level}, {"msg", msg}, {"time", now_rfc3339_nano()}};
        line = j.dump() + "\n";
    } else {
        line = fmt::format("time=\"{}\" level={} msg={:?}\n", now_rfc3339_nano(), level, msg);
    }
    (void)!::write(fd, line.data(), line.size());
    ::close(fd);
}

int report(const Error& e) {
    std::string msg = e.what();
    // The log first: engines read the cause from it. containerd's shim runs the runtime with
    // stderr on /dev/null opened read-only, so writing stderr fails; fmt::print would throw
    // (and abort) there, std::fputs just fails.
    log_line("error", msg);
    std::fputs(fmt::format("brig-oci: {}\n", msg).c_str(), stderr);
    return 1;
}

constexpr const char* kUsage = R"(brig-oci: an OCI container runtime (runc-compatible command line)

Usage: brig-oci [global options] COMMAND [options] [arguments]

Commands:
  create    create a container (its process waits for "start")
  start     start the process of a created container
  run       create and start a container, wait for it (or --detach)
  state     print the state of a container as JSON
  kill      send a signal to a container's init (default SIGTERM)
  delete    delete a container and everything it holds
  exec      run a new process inside a running container
  list      list containers
  ps        list the processes of a container
  pause     freeze every process of a container
  resume    thaw a paused container
  update    change a running container's resource limits
  events    print a container's stats (--stats) or stream them with OOM events
  spec      write a default config.json
  features  print the runtime-spec features this runtime supports

Global options:
  --root DIR           state directory (default /run/brig-oci)
  --log FILE           also write errors to FILE
  --log-format FORMAT  text (default) or json
  --debug              verbose logging
  --systemd-cgroup     use systemd for cgroups (refused: needs a running systemd)
  --version, -v        print the version
  --help, -h           print this help
)";

Result<void> need_id(const cli::Parsed& p, std::string_view cmd, size_t max_args = 1) {
    if (p.positional.empty()) return fail("{}: a container id is required (brig-oci {} ID)", cmd, cmd);
    if (p.positional.size() > max_args) return fail("{}: too many arguments", cmd);
    return {};
}

constexpr cli::FlagDef kCreateFlags[] = {
    {"bundle", "b", true},  {"console-socket", nullptr, true}, {"pid-file", nullptr, true},
    {"no-pivot", nullptr, false}, {"no-new-keyring", nullptr, false}, {"preserve-fds", nullptr, true},
    {"detach", "d", false}, {"keep", nullptr, false}, {"no-subreaper", nullptr, false},
};

Result<runtime::CreateOptions> create_options(const cli::Parsed& p, std::string_view cmd) {
    if (auto r = need_id(p, cmd); !r) return std::unexpected(r.error());
    runtime::CreateOptions o;
    o.id = p.positional[0];
    o.bundle = p.get("bundle");
    o.pid_file = p.get("pid-file");
    o.console_socket = p.get("console-socket");
    o.no_pivot = p.has("no-pivot");
    o.systemd_cgroup = g.systemd_cgroup;
    // systemd socket activation: fds 3.. are ours to pass on when LISTEN_PID names us.
    if (const char* n = std::getenv("LISTEN_FDS"); n && std::getenv("LISTEN_PID") &&
                                                   std::atoi(std::getenv("LISTEN_PID")) == ::getpid())
        o.listen_fds = std::max(0, std::atoi(n));
    if (const char* ns = std::getenv("NOTIFY_SOCKET"); ns && *ns) o.notify_socket = ns;
    if (p.has("preserve-fds")) {
        std::string v = p.get("preserve-fds");
        char* end = nullptr;
        long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end || n < 0 || n > 65536) return fail("{}: --preserve-fds: invalid number {:?}", cmd, v);
        o.preserve_fds = static_cast<int>(n);
    }
    return o;
}

std::string owner_name(const std::string& dir) {
    struct stat st;
    if (::stat(dir.c_str(), &st) < 0) return "";
    auto passwd = linuxfs::read_file("/etc/passwd");
    if (passwd) {
        size_t pos = 0;
        while (pos < passwd->size()) {
            size_t end = passwd->find('\n', pos);
            if (end == std::string::npos) end = passwd->size();
            std::string line = passwd->substr(pos, end - pos);
            auto c1 = line.find(':'), c2 = line.find(':', c1 + 1), c3 = line.find(':', c2 + 1);
            if (c3 != std::string::npos && line.substr(c2 + 1, c3 - c2 - 1) == std::to_string(st.st_uid))
                return line.substr(0, c1);
            pos = end + 1;
        }
    }
    return fmt::format("#{}", st.st_uid);
}

int cmd_list(runtime::Runtime& rt, const cli::Parsed& p) {
    std::string format = p.get("format", "table");
    if (format != "table" && format != "json") return report(Error{0, fmt::format("list: invalid --format {:?} (table or json)", format)});
    auto all = rt.list();
    if (!all) return report(all.error());
    if (p.has("quiet")) {
        for (auto& v : *all) fmt::print("{}\n", v.rec.id);
        return 0;
    }
    if (format == "json") {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (auto& v : *all) {
            auto j = nlohmann::ordered_json::parse(v.json(false));
            j["owner"] = owner_name(rt.store().dir(v.rec.id));
            arr.push_back(j);
        }
        fmt::print("{}\n", arr.dump());
        return 0;
    }
    // Columns as runc's tabwriter lays them out (min width 12, padding 3).
    std::vector<std::array<std::string, 6>> rows{{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (auto& v : *all)
        rows.push_back({v.rec.id, std::to_string(v.status == runtime::Status::Stopped ? 0 : v.rec.pid),
                        runtime::to_string(v.status), v.rec.bundle, v.rec.created,
                        owner_name(rt.store().dir(v.rec.id))});
    std::array<size_t, 6> w{};
    for (auto& r : rows)
        for (size_t c = 0; c < 6; ++c) w[c] = std::max({w[c], r[c].size() + 3, size_t{12}});
    for (auto& r : rows) {
        std::string line;
        for (size_t c = 0; c < 5; ++c) line += fmt::format("{:<{}}", r[c], w[c]);
        fmt::print("{}{}\n", line, r[5]);
    }
    return 0;
}

int cmd_spec(const cli::Parsed& p) {
    std::string dir = p.get("bundle", ".");
    std::string path = dir + "/config.json";
    if (linuxfs::exists(path)) return report(Error{0, fmt::format("spec: {} exists; remove it first", path)});
    std::string text = oci::default_spec_json(p.has("rootless"), ::geteuid(), ::getegid());
    if (auto r = linuxfs::write_file_atomic(path, text, 0666 & ~0022); !r) return report(r.error());
    return 0;
}

Result<int> parse_count(const std::string& v, std::string_view what) {
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < 0 || n > 65536) return fail("{}: invalid number {:?}", what, v);
    return static_cast<int>(n);
}

int cmd_exec(runtime::Runtime& rt, std::span<char* const> rest) {
    static constexpr cli::FlagDef defs[] = {
        {"process", "p", true},   {"tty", "t", false},           {"cwd", nullptr, true},
        {"env", "e", true},       {"user", "u", true},           {"additional-gids", "g", true},
        {"cap", "c", true},       {"no-new-privs", nullptr, false}, {"apparmor", nullptr, true},
        {"process-label", nullptr, true}, {"preserve-fds", nullptr, true}, {"detach", "d", false},
        {"pid-file", nullptr, true}, {"console-socket", nullptr, true}, {"ignore-paused", nullptr, false},
        {"cgroup", nullptr, true},
    };
    auto p = cli::parse_flags(rest, defs, "exec");
    if (!p) return report(p.error());
    if (p->positional.empty()) return report(Error{0, "exec: a container id is required (brig-oci exec ID COMMAND...)"});
    runtime::ExecRequest req;
    req.id = p->positional[0];
    req.args.assign(p->positional.begin() + 1, p->positional.end());
    req.process_file = p->get("process");
    req.tty = p->has("tty");
    req.cwd = p->get("cwd");
    req.env = p->get_all("env");
    req.user = p->get("user");
    for (auto& g : p->get_all("additional-gids")) {
        auto n = parse_count(g, "exec: --additional-gids");
        if (!n) return report(n.error());
        req.additional_gids.push_back(static_cast<uint32_t>(*n));
    }
    req.caps = p->get_all("cap");
    req.no_new_privs = p->has("no-new-privs");
    req.apparmor = p->get("apparmor");
    req.process_label = p->get("process-label");
    if (p->has("preserve-fds")) {
        auto n = parse_count(p->get("preserve-fds"), "exec: --preserve-fds");
        if (!n) return report(n.error());
        req.preserve_fds = *n;
    }
    req.detach = p->has("detach");
    req.pid_file = p->get("pid-file");
    req.console_socket = p->get("console-socket");
    req.ignore_paused = p->has("ignore-paused");
    req.sub_cgroup = p->get("cgroup");
    auto code = rt.exec(req);
    if (!code) return report(code.error());
    return *code;
}

int dispatch(const std::string& cmd, std::span<char* const> rest) {
    runtime::Runtime rt(g.root);
    auto parse = [&](std::span<const cli::FlagDef> defs) { return cli::parse_flags(rest, defs, cmd); };

    if (cmd == "create" || cmd == "run") {
        auto p = parse(kCreateFlags);
        if (!p) return report(p.error());
        auto o = create_options(*p, cmd);
        if (!o) return report(o.error());
        if (cmd == "create") {
            if (auto r = rt.create(*o); !r) return report(r.error());
            return 0;
        }
        auto code = rt.run(*o, p->has("detach"), p->has("keep"));
        if (!code) return report(code.error());
        return *code;
    }
    if (cmd == "start" || cmd == "state") {
        auto p = parse({});
        if (!p) return report(p.error());
        if (auto r = need_id(*p, cmd); !r) return report(r.error());
        if (cmd == "start") {
            if (auto r = rt.start(p->positional[0]); !r) return report(r.error());
            return 0;
        }
        auto s = rt.state(p->positional[0]);
        if (!s) return report(s.error());
        fmt::print("{}\n", s->json(true));
        return 0;
    }
    if (cmd == "kill") {
        static constexpr cli::FlagDef defs[] = {{"all", "a", false}, {"pid", "p", true}};
        auto p = parse(defs);
        if (!p) return report(p.error());
        if (auto r = need_id(*p, cmd, 2); !r) return report(r.error());
        auto sig = signals::parse_signal(p->positional.size() > 1 ? p->positional[1] : "SIGTERM");
        if (!sig) return report(sig.error());
        if (auto r = rt.kill(p->positional[0], *sig, p->has("all")); !r) return report(r.error());
        return 0;
    }
    if (cmd == "delete") {
        static constexpr cli::FlagDef defs[] = {{"force", "f", false}};
        auto p = parse(defs);
        if (!p) return report(p.error());
        if (auto r = need_id(*p, cmd); !r) return report(r.error());
        if (auto r = rt.remove(p->positional[0], p->has("force")); !r) return report(r.error());
        return 0;
    }
    if (cmd == "list") {
        static constexpr cli::FlagDef defs[] = {{"format", "f", true}, {"quiet", "q", false}};
        auto p = parse(defs);
        if (!p) return report(p.error());
        return cmd_list(rt, *p);
    }
    if (cmd == "spec") {
        static constexpr cli::FlagDef defs[] = {{"bundle", "b", true}, {"rootless", nullptr, false}};
        auto p = parse(defs);
        if (!p) return report(p.error());
        return cmd_spec(*p);
    }
    if (cmd == "features") {
        fmt::print("{}\n", oci::features_json());
        return 0;
    }
    if (cmd == "version") {
        fmt::print("brig-oci version {}\nspec: {}\n", BRIG_VERSION, oci::kSpecVersion);
        return 0;
    }
    if (cmd == "exec") return cmd_exec(rt, rest);
    if (auto r = cli::run_cgroup_command(cmd, rest, g.root, report)) return *r;
    for (const char* later : {"checkpoint", "restore"})
        if (cmd == later) return report(Error{0, fmt::format("{}: not implemented yet", cmd)});
    return report(Error{0, fmt::format("unknown command {:?} (see brig-oci --help)", cmd)});
}

}  // namespace

int main(int argc, char** argv) {
    // A short-lived process: grow the heap in large steps and never give memory back, instead
    // of a brk call for every trim and regrowth around the sync buffers.
    ::mallopt(M_TOP_PAD, 1 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 16 << 20);
    static constexpr cli::FlagDef globals[] = {
        {"root", nullptr, true},        {"log", nullptr, true},       {"log-format", nullptr, true},
        {"debug", nullptr, false},      {"systemd-cgroup", nullptr, false}, {"criu", nullptr, true},
        {"rootless", nullptr, true},    {"help", "h", false},         {"version", "v", false},
    };
    auto p = cli::parse_flags(std::span<char* const>(argv + 1, static_cast<size_t>(argc - 1)), globals, "brig-oci");
    if (!p) return report(p.error());
    if (::geteuid() != 0) {
        // Rootless: a state root of the user's own, as runc does.
        const char* xdg = std::getenv("XDG_RUNTIME_DIR");
        g.root = xdg && *xdg ? std::string(xdg) + "/brig-oci" : fmt::format("/tmp/brig-oci-{}", ::geteuid());
    }
    g.root = p->get("root", g.root);
    g.log_file = p->get("log");
    std::string format = p->get("log-format", "text");
    if (format != "text" && format != "json") return report(Error{0, fmt::format("--log-format: invalid value {:?} (text or json)", format)});
    g.log_json = format == "json";
    g.debug = p->has("debug");
    g.systemd_cgroup = p->has("systemd-cgroup");
    if (p->has("version")) return dispatch("version", {});
    if (p->has("help") || p->positional.empty()) {
        fmt::print("{}", kUsage);
        return p->has("help") ? 0 : 1;
    }
    std::vector<char*> rest;
    for (size_t i = 1; i < p->positional.size(); ++i) rest.push_back(p->positional[i].data());
    const std::string& cmd = p->positional[0];
    if (cmd == "create" || cmd == "run" || cmd == "exec") {
        // These enter a container: run them from a binary the container cannot overwrite
        // (re-executes, unless it already is; see linux/selfexe.hpp). The static build's
        // entry point has usually done that before the C library started (early_entry.cpp).
        if (!brig_oci_exe_verified_early)
            if (auto r = selfexe::ensure_unwritable(argv, environ); !r) return report(r.error());
    }
    if (g.debug) {
        std::string line = "brig-oci";
        for (int i = 1; i < argc; ++i) line += fmt::format(" {}", argv[i]);
        log_line("debug", line);
    }
    return dispatch(cmd, rest);
}
