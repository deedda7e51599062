#include "runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/fd.hpp"
#include "linux/syscalls.hpp"

namespace brig::runtime {
namespace {

using nlohmann::json;

// The hook's stdin gets the state; a pipe is enough, states are small.
Result<void> run_hook(const oci::Hook& h, const std::string& where, const std::string& state) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_fail("{}: pipe", where);
    UniqueFd rd(p[0]), wr(p[1]);
    std::vector<std::string> argv_s = h.args.empty() ? std::vector<std::string>{h.path} : h.args;
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s = h.env;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    int pidfd = -1;
    long pid = sys::fork_pidfd(&pidfd);
    if (pid < 0) return sys_fail("{}: fork", where);
    if (pid == 0) {
        ::dup2(rd.get(), 0);
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(h.path.c_str(), argv.data(), envp.data());
        dprintf(2, "brig-oci: %s: exec %s: %s\n", where.c_str(), h.path.c_str(), strerror(errno));
        ::_exit(127);
    }
    UniqueFd pfd(pidfd);
    rd.reset();
    // A hook that does not read its stdin must not block us: write what fits, then go on.
    ::fcntl(wr.get(), F_SETFL, O_NONBLOCK);
    (void)!::write(wr.get(), state.data(), state.size());
    wr.reset();

    int timeout_ms = h.timeout ? *h.timeout * 1000 : -1;
    pollfd pf{pfd.get(), POLLIN, 0};
    int ready;
    do ready = ::poll(&pf, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready == 0) {
        ::syscall(SYS_pidfd_send_signal, pfd.get(), SIGKILL, nullptr, 0);
        ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
        return fail("{} {}: timed out after {}s", where, h.path, *h.timeout);
    }
    int st = 0;
    while (::waitpid(static_cast<pid_t>(pid), &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return {};
    if (WIFSIGNALED(st)) return fail("{} {}: killed by signal {}", where, h.path, WTERMSIG(st));
    return fail("{} {}: exit status {}", where, h.path, WEXITSTATUS(st));
}

json hook_list(const std::vector<oci::Hook>& hooks) {
    json arr = json::array();
    for (auto& h : hooks) {
        json j = {{"path", h.path}, {"args", h.args}, {"env", h.env}};
        if (h.timeout) j["timeout"] = *h.timeout;
        arr.push_back(j);
    }
    return arr;
}

std::vector<oci::Hook> hook_list(const json& arr) {
    std::vector<oci::Hook> out;
    for (auto& j : arr) {
        oci::Hook h;
        h.path = j.value("path", "");
        h.args = j.value("args", std::vector<std::string>{});
        h.env = j.value("env", std::vector<std::string>{});
        if (j.contains("timeout")) h.timeout = j["timeout"].get<int>();
        out.push_back(std::move(h));
    }
    return out;
}

}  // namespace

std::string hook_state_json(const std::string& id, std::string_view status, pid_t pid, const std::string& bundle,
                            const std::map<std::string, std::string>& annotations) {
    nlohmann::ordered_json j;
    j["ociVersion"] = oci::kSpecVersion;
    j["id"] = id;
    j["status"] = status;
    if (pid > 0) j["pid"] = pid;
    j["bundle"] = bundle;
    if (!annotations.empty()) j["annotations"] = annotations;
    return j.dump();
}

Result<void> run_hooks(const std::vector<oci::Hook>& hooks, std::string_view which, const std::string& state_json) {
    for (size_t i = 0; i < hooks.size(); ++i)
        if (auto r = run_hook(hooks[i], fmt::format("hooks.{}[{}]", which, i), state_json); !r) return r;
    return {};
}

std::string hooks_to_json(const oci::Hooks& h) {
    json j = {{"prestart", hook_list(h.prestart)},         {"createRuntime", hook_list(h.createRuntime)},
              {"createContainer", hook_list(h.createContainer)}, {"startContainer", hook_list(h.startContainer)},
              {"poststart", hook_list(h.poststart)},       {"poststop", hook_list(h.poststop)}};
    return j.dump();
}

oci::Hooks hooks_from_json(const std::string& text) {
    oci::Hooks h;
    if (text.empty()) return h;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return h;
    h.prestart = hook_list(j.value("prestart", json::array()));
    h.createRuntime = hook_list(j.value("createRuntime", json::array()));
    h.createContainer = hook_list(j.value("createContainer", json::array()));
    h.startContainer = hook_list(j.value("startContainer", json::array()));
    h.poststart = hook_list(j.value("poststart", json::array()));
    h.poststop = hook_list(j.value("poststop", json::array()));
    return h;
}

}  // namespace brig::runtime
