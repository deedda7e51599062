// Rootless networking: pasta (passt) gives the container's namespace a tap interface whose
// traffic it relays through ordinary sockets of the user, and forwards published ports.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "common/fd.hpp"
#include "network/network.hpp"
#include "network/store.hpp"

namespace brig::network {

Result<int> attach_rootless(const std::string& netns_path, const std::string& userns_path,
                            std::span<const PortMapping> ports) {
    std::string tcp, udp;
    for (auto& p : ports) {
        if (p.host_port == 0) return fail("rootless networking: publish ports with an explicit host port");
        std::string one = fmt::format("{}{}:{}", p.host_ip.empty() ? "" : p.host_ip + "/", p.host_port, p.container_port);
        std::string& list = p.protocol == "udp" ? udp : tcp;
        list += (list.empty() ? "" : ",") + one;
    }
    std::string pidfile = fmt::format("/tmp/brig-pasta-{}.pid", store::random_hex(8));
    std::vector<std::string> args = {"pasta", "--config-net", "--quiet", "--netns", netns_path, "--pid", pidfile,
                                     "-t",    tcp.empty() ? "none" : tcp, "-u", udp.empty() ? "none" : udp,
                                     "-T",    "none", "-U", "none"};
    if (!userns_path.empty()) {
        args.push_back("--userns");
        args.push_back(userns_path);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string errfile = pidfile + ".err";
    UniqueFd errfd(::open(errfile.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!errfd) return sys_fail("rootless networking: create {}", errfile);
    pid_t pid = ::fork();
    if (pid < 0) return sys_fail("rootless networking: fork");
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(errfd.get(), 2);
        ::execvp("pasta", argv.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    // pasta daemonizes once the namespace is configured; its exit status tells whether it did.
    std::string why;
    {
        std::ifstream err(errfile);
        std::string line;
        while (std::getline(err, line))
            if (line.find("syslog") == std::string::npos && !line.empty()) why = line;  // the last real message
    }
    ::unlink(errfile.c_str());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        ::unlink(pidfile.c_str());
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return fail("rootless networking: pasta (package passt) is not installed");
        return fail("rootless networking: pasta failed{}", why.empty() ? fmt::format(" (status {})", status) : ": " + why);
    }
    std::ifstream in(pidfile);
    int daemon = 0;
    in >> daemon;
    ::unlink(pidfile.c_str());
    return daemon;
}

}  // namespace brig::network
