#include "network/dns_ctl.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/fd.hpp"
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
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return false;  // nobody holds it
    return errno == EWOULDBLOCK;
}

Result<void> ensure(std::string_view root, std::string_view network, const std::string& listen) {
    if (running(root, network)) return {};
    std::string bin = dns_binary();
    if (::access(bin.c_str(), X_OK) < 0) return sys_fail("start the DNS responder of network {}: {}", network, bin);
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_fail("start the DNS responder: pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    std::string root_s(root), net_s(network);
    std::vector<std::string> args = {bin, "--root", root_s, "--network", net_s, "--listen", listen, "--ready-fd", "3"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t child = ::fork();
    if (child < 0) return sys_fail("start the DNS responder: fork");
    if (child == 0) {
        // Detach: new session, grandchild execs, so it is reparented and never our zombie.
        ::setsid();
        if (::fork() != 0) ::_exit(0);
        int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        ::dup2(wr.get(), 3);  // dup2 clears FD_CLOEXEC on the copy
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
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
