// brig-dns: the DNS responder of one user-defined network. Started detached by attach(), listens
// on the network's gateway address (UDP 53), answers A/AAAA for the names and aliases of the
// containers on the network (from its lease file, re-read when it changes) and forwards every
// other query to the host's resolvers. Exits when the network has no containers left.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/flock.hpp"
#include "network/dns.hpp"
#include "network/store.hpp"

using namespace brig;
using namespace brig::network;

namespace {

struct Options {
    std::string root, network, listen, resolv = "/etc/resolv.conf";
    int ready_fd = -1;
};

socklen_t make_addr(const IpAddr& ip, uint16_t port, sockaddr_storage* ss) {
    std::memset(ss, 0, sizeof(*ss));
    auto b = ip.bytes();
    if (ip.family == AF_INET) {
        auto* s = reinterpret_cast<sockaddr_in*>(ss);
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        std::memcpy(&s->sin_addr, b.data(), 4);
        return sizeof(sockaddr_in);
    }
    auto* s = reinterpret_cast<sockaddr_in6*>(ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    std::memcpy(&s->sin6_addr, b.data(), 16);
    return sizeof(sockaddr_in6);
}

std::vector<IpAddr> upstreams(const Options& o, const IpAddr& self) {
    std::vector<IpAddr> out;
    std::ifstream in(o.resolv);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string k, v;
        if (ls >> k >> v && k == "nameserver")
            if (auto ip = parse_ip(v); ip && !(*ip == self)) out.push_back(*ip);
    }
    return out;
}

class Records {
public:
    explicit Records(const Options& o) : o_(o) {}
    // Re-read the lease file if it changed; false if the network is gone or empty.
    bool refresh() {
        std::string path = store::network_dir(o_.root, o_.network) + "/endpoints.json";
        struct stat st{};
        if (::stat(path.c_str(), &st) < 0) return false;
        if (st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec || st.st_ino != ino_) {
            auto n = store::load(o_.root, o_.network);
            if (!n || !*n) return false;
            names_.clear();
            for (auto& e : (*n)->endpoints) {
                std::vector<IpAddr> addrs;
                if (auto a = parse_ip(e.ipv4)) addrs.push_back(*a);
                if (auto a = parse_ip(e.ipv6)) addrs.push_back(*a);
                auto add = [&](std::string name) {
                    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    if (!name.empty()) names_[name].insert(names_[name].end(), addrs.begin(), addrs.end());
                };
                add(e.container_name);
                add(e.container_id);
                add(e.container_id.substr(0, 12));
                for (auto& a : e.aliases) add(a);
            }
            empty_ = (*n)->endpoints.empty();
            mtime_ = st.st_mtim;
            ino_ = st.st_ino;
        }
        return !empty_;
    }
    const std::vector<IpAddr>* find(std::string name) const {
        auto it = names_.find(name);
        if (it == names_.end() && name.ends_with("." + o_.network))  // name.network
            it = names_.find(name.substr(0, name.size() - o_.network.size() - 1));
        return it == names_.end() ? nullptr : &it->second;
    }

private:
    const Options& o_;
    std::map<std::string, std::vector<IpAddr>> names_;
    timespec mtime_{};
    ino_t ino_ = 0;
    bool empty_ = true;
};

std::vector<unsigned char> forward(const std::vector<IpAddr>& servers, std::span<const unsigned char> msg) {
    for (auto& s : servers) {
        UniqueFd fd(::socket(s.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!fd) continue;
        sockaddr_storage ss;
        socklen_t len = make_addr(s, 53, &ss);
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) continue;
        if (::send(fd.get(), msg.data(), msg.size(), 0) < 0) continue;
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 2000) != 1) continue;
        std::vector<unsigned char> buf(4096);
        ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
        if (n < 12) continue;
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
    return {};
}

int serve(const Options& o) {
    std::string dir = store::network_dir(o.root, o.network);
    std::string lockpath = dir + "/dns.lock";
    auto lock = lock_file(lockpath, LockMode::Exclusive, LockWait::Try);
    if (!lock && lock.error().errnum == EWOULDBLOCK) {  // another responder serves this network
        if (o.ready_fd >= 0) (void)!::write(o.ready_fd, "R", 1);
        return 0;
    }
    if (!lock) return 1;
    auto self = parse_ip(o.listen);
    if (!self) return 1;
    UniqueFd sock(::socket(self->family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return 1;
    int one = 1;
    ::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_storage ss;
    socklen_t len = make_addr(*self, 53, &ss);
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) return 1;
    if (!store::write_atomic(dir + "/dns.pid", fmt::format("{}\n", ::getpid()))) return 1;
    if (o.ready_fd >= 0) {
        (void)!::write(o.ready_fd, "R", 1);
        ::close(o.ready_fd);
    }
    Records recs(o);
    std::vector<unsigned char> buf(4096);
    for (;;) {
        pollfd p{sock.get(), POLLIN, 0};
        int n = ::poll(&p, 1, 1000);
        if (n < 0 && errno != EINTR) return 1;
        if (!recs.refresh()) return 0;  // the network is gone or has no containers
        if (n <= 0) continue;
        sockaddr_storage from{};
        socklen_t fromlen = sizeof(from);
        ssize_t got = ::recvfrom(sock.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fromlen);
        if (got <= 0) continue;
        std::span<const unsigned char> msg(buf.data(), static_cast<std::size_t>(got));
        auto q = dns::parse_query(msg);
        if (!q) continue;  // malformed: no answer at all
        std::vector<unsigned char> reply;
        const std::vector<IpAddr>* addrs = q->qclass == dns::kClassIN ? recs.find(q->name) : nullptr;
        if (addrs) {
            reply = dns::make_response(msg, *q, *addrs, dns::kNoError);
        } else {
            reply = forward(upstreams(o, *self), msg);
            if (reply.empty()) reply = dns::make_response(msg, *q, {}, dns::kServFail);
        }
        ::sendto(sock.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), fromlen);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--root") o.root = v;
        else if (k == "--network") o.network = v;
        else if (k == "--listen") o.listen = v;
        else if (k == "--resolv") o.resolv = v;
        else if (k == "--ready-fd") o.ready_fd = std::atoi(v.c_str());
        else {
            fmt::print(stderr, "brig-dns: unknown option {}\n", k);
            return 2;
        }
    }
    if (o.root.empty() || o.network.empty() || o.listen.empty()) {
        fmt::print(stderr, "usage: brig-dns --root DIR --network NAME --listen ADDR [--resolv FILE] [--ready-fd N]\n");
        return 2;
    }
    return serve(o);
}
