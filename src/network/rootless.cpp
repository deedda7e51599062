// Rootless networking: pasta (passt) gives the container's namespace a tap interface whose
// traffic it relays through ordinary sockets of the user, and forwards published ports.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "common/fd.hpp"
#include "common/ids.hpp"
#include "linux/spawn.hpp"
#include "network/network.hpp"

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
    std::string pidfile = fmt::format("/tmp/brig-pasta-{}.pid", random_hex(8));
    spawn::Options pasta;
    pasta.argv = {"pasta", "--config-net", "--quiet", "--netns", netns_path, "--pid", pidfile,
                  "-t",    tcp.empty() ? "none" : tcp, "-u", udp.empty() ? "none" : udp,
                  "-T",    "none", "-U", "none"};
    if (!userns_path.empty()) {
        pasta.argv.push_back("--userns");
        pasta.argv.push_back(userns_path);
    }
    pasta.search_path = true;
    std::string errfile = pidfile + ".err";
    UniqueFd errfd(::open(errfile.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!errfd) return sys_fail("rootless networking: create {}", errfile);
    pasta.err = errfd.get();
    auto status = spawn::run(pasta);
    if (!status) return std::unexpected(std::move(status.error()).context("rootless networking"));
    // pasta daemonizes once the namespace is configured; its exit status tells whether it did.
    std::string why;
    {
        std::ifstream err(errfile);
        std::string line;
        while (std::getline(err, line))
            if (line.find("syslog") == std::string::npos && !line.empty()) why = line;  // the last real message
    }
    ::unlink(errfile.c_str());
    if (*status != 0) {
        ::unlink(pidfile.c_str());
        if (*status == spawn::kExecFailed) return fail("rootless networking: pasta (package passt) is not installed");
        return fail("rootless networking: pasta failed{}", why.empty() ? fmt::format(" (exit code {})", *status) : ": " + why);
    }
    std::ifstream in(pidfile);
    int daemon = 0;
    in >> daemon;
    ::unlink(pidfile.c_str());
    return daemon;
}

}  // namespace brig::network
