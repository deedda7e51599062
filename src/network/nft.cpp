#include "network/nft.hpp"

#include "network/nft_api.hpp"

#include <memory>

#include "network/addr.hpp"

namespace brig::network::nft {

namespace {

std::string quote(const std::string& s) { return "\"" + s + "\""; }

struct Target {
    std::string v4, v6;
};

void port_rules(std::string& out, const NetworkInfo& n, const Endpoint& e) {
    for (auto& p : e.ports) {
        if (p.host_port == 0) continue;
        std::string host_match;
        int family = 0;
        if (!p.host_ip.empty()) {
            auto ip = parse_ip(p.host_ip);
            if (!ip) continue;
            family = ip->family;
            if (ip->family == AF_INET && ip->value != 0) host_match = "ip daddr " + p.host_ip + " ";
            if (ip->family == AF_INET6 && ip->value != 0) host_match = "ip6 daddr " + p.host_ip + " ";
        }
        if (!e.ipv4.empty() && family != AF_INET6)
            out += fmt::format("\t\tmeta nfproto ipv4 {}{} dport {} dnat ip to {}:{} comment {}\n", host_match,
                               p.protocol, p.host_port, e.ipv4, p.container_port, quote(n.name));
        if (!e.ipv6.empty() && family != AF_INET)
            out += fmt::format("\t\tmeta nfproto ipv6 {}{} dport {} dnat ip6 to [{}]:{} comment {}\n", host_match,
                               p.protocol, p.host_port, e.ipv6, p.container_port, quote(n.name));
    }
}

struct Ctx {
    const Api& api;
    nft_ctx* ctx;
    explicit Ctx(const Api& a) : api(a), ctx(a.ctx_new(NFT_CTX_DEFAULT)) {
        if (ctx) {
            api.ctx_buffer_output(ctx);
            api.ctx_buffer_error(ctx);
        }
    }
    ~Ctx() {
        if (ctx) api.ctx_free(ctx);
    }
    Ctx(const Ctx&) = delete;
    Ctx& operator=(const Ctx&) = delete;
};

}  // namespace

std::string render(const std::vector<NetworkInfo>& networks) {
    if (networks.empty()) return {};
    std::string ports, post, fwd;
    for (auto& n : networks) {
        std::string br = quote(n.bridge);
        for (auto& s : n.subnets) {
            auto c = parse_cidr(s.subnet);
            if (!c) continue;
            std::string fam = c->addr.family == AF_INET ? "ip" : "ip6";
            if (!n.internal)  // outbound traffic leaves with the host's address
                post += fmt::format("\t\t{} saddr {} oifname != {} masquerade\n", fam, s.subnet, br);
            // hairpin: a container reaching a published port of its own network
            post += fmt::format("\t\toifname {} ct status dnat {} saddr {} masquerade\n", br, fam, s.subnet);
        }
        // from-the-host access through 127.0.0.1 (with route_localnet on the bridge)
        post += fmt::format("\t\toifname {} ip saddr 127.0.0.0/8 masquerade\n", br);
        if (n.internal) {
            fwd += fmt::format("\t\tiifname {} oifname != {} drop\n", br, br);
            fwd += fmt::format("\t\toifname {} iifname != {} drop\n", br, br);
        } else {
            std::string others;
            for (auto& o : networks)
                if (o.bridge != n.bridge) others += (others.empty() ? "" : ", ") + quote(o.bridge);
            if (!others.empty()) fwd += fmt::format("\t\tiifname {} oifname {{ {} }} drop\n", br, others);
        }
        if (!n.internal)
            for (auto& e : n.endpoints) port_rules(ports, n, e);
    }
    std::string t = fmt::format("table inet {} {{\n", kTable);
    t += "\tchain ports {\n" + ports + "\t}\n";
    t += "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
         "\t\tfib daddr type local jump ports\n\t}\n";
    t += "\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n"
         "\t\tfib daddr type local jump ports\n\t}\n";
    t += "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n" + post + "\t}\n";
    t += "\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n" + fwd + "\t}\n";
    t += "}\n";
    return t;
}

Result<std::string> run(const std::string& cmd) {
    auto a = api();
    if (!a) return wrap(std::move(a), "nftables");
    Ctx c(**a);
    if (!c.ctx) return fail("nftables: cannot create a context");
    int rc = a.value()->run_cmd_from_buffer(c.ctx, cmd.c_str());
    // Each get_*_buffer call hands over (and resets) the buffer: call each once.
    const char* o = c.api.ctx_get_output_buffer(c.ctx);
    std::string out = o ? o : "";
    if (rc != 0) {
        const char* e = c.api.ctx_get_error_buffer(c.ctx);
        std::string err = e ? e : "";
        while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
        return fail("nftables: {}", err.empty() ? "command failed" : err);
    }
    return out;
}

Result<void> apply(const std::string& rules) {
    // Creating the table first makes the delete valid when it does not exist yet; all three
    // commands are one transaction.
    std::string cmd = fmt::format("add table inet {0}\ndelete table inet {0}\n{1}", kTable, rules);
    auto r = run(cmd);
    if (!r) return std::unexpected(std::move(r.error()).context("update nftables table inet brig"));
    return {};
}

Result<std::string> list() {
    auto r = run(fmt::format("list tables inet"));
    if (!r) return std::unexpected(r.error());
    if (r->find(fmt::format("table inet {}\n", kTable)) == std::string::npos) return std::string{};
    return run(fmt::format("list table inet {}", kTable));
}

}  // namespace brig::network::nft
