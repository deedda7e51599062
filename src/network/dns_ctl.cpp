#include "network/dns_ctl.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/fd.hpp"
#include "common/flock.hpp"
#include "linux/spawn.hpp"
#include "network/store.hpp"

namespace brig::network::dns_ctl {

std::string dns_binary() {
    if (const char* e = std::getenv("BRIG_DNS"); e && *e) return e;
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "brig-dns";
    return (self.parent_path() / "brig-dns").string();
}

bool running(std::string_view root, std::string_view network) {
    std::string lock = store::network_dir(root, network) + "/dns.lock";
    UniqueFd fd(::open(lock.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    // A running responder holds it exclusively: only then does our try fail with EWOULDBLOCK.
    auto probe = flock_fd(fd.get(), LockMode::Shared, LockWait::Try);
    return !probe && probe.error().errnum == EWOULDBLOCK;
}

Result<void> ensure(std::string_view root, std::string_view network, const std::string& listen) {
    if (running(root, network)) return {};
    std::string bin = dns_binary();
    if (::access(bin.c_str(), X_OK) < 0) return sys_fail("start the DNS responder of network {}: {}", network, bin);
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_fail("start the DNS responder: pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    // Detached (spawn_daemon): reparented, never our zombie; it says "R" on fd 3 when it serves.
    spawn::Options dns;
    dns.argv = {bin, "--root", std::string(root), "--network", std::string(network), "--listen", listen, "--ready-fd", "3"};
    dns.fds = {{wr.get(), 3}};
    if (auto r = spawn::spawn_daemon(dns); !r) return std::unexpected(std::move(r.error()).context("start the DNS responder"));
    wr.reset();
    pollfd pfd{rd.get(), POLLIN, 0};
    int n = ::poll(&pfd, 1, 5000);
    char c = 0;
    if (n == 1 && ::read(rd.get(), &c, 1) == 1 && c == 'R') return {};
    return fail("start the DNS responder of network {}: it did not come up (listen {}:53)", network, listen);
}

void stop(std::string_view root, std::string_view network) {
    std::string dir = store::network_dir(root, network);
    std::ifstream in(dir + "/dns.pid");
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 1) return;
    if (!running(root, network)) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && running(root, network); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace brig::network::dns_ctl
