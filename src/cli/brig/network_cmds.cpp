// brig network create|ls|inspect|rm|prune|connect|disconnect: thin over brig_network.
#include <map>
#include <set>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "engine/netwire.hpp"
#include "engine/store.hpp"
#include "network/network.hpp"

namespace brig::cli {

namespace {

struct NetworkFlags {
    network::CreateOptions create;
    std::vector<std::string> labels, opts, names;
    std::string driver = "bridge";
    bool quiet = false, force = false, no_trunc = false;
    std::string format;
    std::string net, container, ip, ip6;
    std::vector<std::string> aliases;
};

std::vector<std::pair<std::string, std::string>> key_values(const std::vector<std::string>& v) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& s : v) {
        auto eq = s.find('=');
        out.emplace_back(s.substr(0, eq), eq == std::string::npos ? "" : s.substr(eq + 1));
    }
    return out;
}

// The name of an engine container whose --network is this network ("" = none).
std::string engine_user_of_network(const std::string& root, const std::string& name_or_id) {
    auto info = network::inspect_network(root, name_or_id);
    if (!info) return "";
    engine::Store store(root);
    for (const auto& id : store.ids()) {
        auto rec = store.load(id);
        if (!rec) continue;
        auto mode = network::parse_network_mode(rec->network_mode);
        if (!mode || mode->kind != network::ModeKind::Bridge) continue;
        if (mode->network == info->name || (!mode->network.empty() && info->id.starts_with(mode->network)))
            return rec->name;
    }
    return "";
}

// The networks each container is attached to (from the networks' records), to see afterwards
// whom `network rm -f` / `network prune` disconnected.
std::map<std::string, std::set<std::string>> attached_networks(const std::string& root) {
    std::map<std::string, std::set<std::string>> out;
    auto all = network::list_networks(root);
    if (!all) return out;
    for (const auto& n : *all)
        for (const auto& e : n.endpoints) out[e.container_id].insert(n.name);
    return out;
}

// Rewrites the /etc/hosts of the engine containers whose attachments changed since `before`
// (as `network disconnect` does). Returns 0, or 1 after reporting a failure.
int refresh_disconnected(const std::string& root, const std::map<std::string, std::set<std::string>>& before) {
    int code = 0;
    engine::Store store(root);
    for (const auto& [id, nets] : before) {
        std::set<std::string> now;
        if (auto atts = network::attachments(root, id))
            for (const auto& a : *atts) now.insert(a.network);
        if (now == nets) continue;
        auto rec = store.load(id);
        if (!rec) continue;  // not an engine container
        if (auto h = engine::refresh_hosts(root, *rec); !h) code = report_error(h.error().what());
    }
    return code;
}

}  // namespace

void add_network_commands(CLI::App& app, Globals& g) {
    auto f = std::make_shared<NetworkFlags>();
    auto* net = app.add_subcommand("network", "manage container networks");
    net->require_subcommand(1);

    auto* create = net->add_subcommand("create", "create a network");
    create->add_option("--subnet", f->create.subnets, "subnet in CIDR form (v4 and/or v6; repeatable)");
    create->add_option("--gateway", f->create.gateways, "gateway of the subnet of its family (repeatable)");
    create->add_flag("--internal", f->create.internal, "no access to the outside and no published ports");
    create->add_flag("--ipv6", f->create.ipv6, "an IPv6 subnet too (chosen when no v6 --subnet is given)");
    create->add_option("-d,--driver", f->driver, "network driver (only bridge)");
    create->add_option("--label", f->labels, "KEY=VALUE label (repeatable)");
    create->add_option("-o,--opt", f->opts, "driver option: com.docker.network.bridge.name, com.docker.network.driver.mtu");
    create->add_option("--mtu", f->create.mtu, "MTU of the bridge and the containers' interfaces");
    create->add_option("name", f->create.name, "network name")->required();
    create->callback([f, &g] {
        if (f->driver != "bridge") {
            g.exit_code = report_error(fmt::format("network driver \"{}\" is not supported (only bridge)", f->driver));
            return;
        }
        f->create.labels = key_values(f->labels);
        for (auto& [k, v] : key_values(f->opts)) {
            if (k == "com.docker.network.bridge.name") {
                f->create.bridge = v;
            } else if (k == "com.docker.network.driver.mtu" || k == "mtu") {
                try {
                    f->create.mtu = std::stoi(v);
                } catch (...) {
                    g.exit_code = report_error(fmt::format("invalid MTU \"{}\"", v));
                    return;
                }
            } else {
                g.exit_code = report_error(fmt::format("unknown network option \"{}\"", k));
                return;
            }
        }
        auto r = network::create_network(g.root, f->create);
        if (!r) {
            g.exit_code = report_error(r.error().what());
            return;
        }
        fmt::print("{}\n", r->id);
    });

    auto* ls = net->add_subcommand("ls", "list networks");
    ls->alias("list");
    ls->add_flag("-q,--quiet", f->quiet, "only ids");
    ls->add_flag("--no-trunc", f->no_trunc, "full ids");
    ls->add_option("--format", f->format, "json: one JSON array");
    ls->callback([f, &g] {
        auto r = network::list_networks(g.root);
        if (!r) {
            g.exit_code = report_error(r.error().what());
            return;
        }
        if (f->format == "json") {
            std::string out = "[";
            for (std::size_t i = 0; i < r->size(); ++i) out += (i ? "," : "") + network::inspect_json((*r)[i]);
            fmt::print("{}]\n", out);
            return;
        }
        if (!f->quiet) fmt::print("{:<14}{:<20}{:<10}{}\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
        for (auto& n : *r) {
            std::string id = f->no_trunc ? n.id : n.id.substr(0, 12);
            if (f->quiet) fmt::print("{}\n", id);
            else fmt::print("{:<14}{:<20}{:<10}{}\n", id, n.name, n.driver, "local");
        }
    });

    auto* inspect = net->add_subcommand("inspect", "show networks as JSON");
    inspect->add_option("network", f->names, "network names or ids")->required();
    inspect->callback([f, &g] {
        std::string out = "[";
        bool first = true;
        for (auto& name : f->names) {
            auto r = network::inspect_network(g.root, name);
            if (!r) {
                g.exit_code = report_error(r.error().what());
                continue;
            }
            out += (first ? "" : ",\n") + network::inspect_json(*r);
            first = false;
        }
        fmt::print("{}]\n", out);
    });

    auto* rm = net->add_subcommand("rm", "remove networks");
    rm->alias("remove");
    rm->add_flag("-f,--force", f->force, "disconnect containers first");
    rm->add_option("network", f->names, "network names or ids")->required();
    rm->callback([f, &g] {
        for (auto& name : f->names) {
            if (auto user = engine_user_of_network(g.root, name); !user.empty() && !f->force) {
                g.exit_code = report_error(fmt::format(
                    "error while removing network: network {} has active endpoints (container {} uses it)", name, user));
                continue;
            }
            auto before = attached_networks(g.root);
            auto r = network::remove_network(g.root, name, f->force);
            if (!r) {
                g.exit_code = report_error(r.error().what());
                continue;
            }
            fmt::print("{}\n", name);
            if (int c = refresh_disconnected(g.root, before); c != 0) g.exit_code = c;
        }
    });

    auto* prune = net->add_subcommand("prune", "remove networks without containers");
    prune->add_flag("-f,--force", f->force, "do not ask (brig never asks)");
    prune->callback([&g] {
        auto before = attached_networks(g.root);
        auto r = network::prune_networks(g.root);
        if (!r) {
            g.exit_code = report_error(r.error().what());
            return;
        }
        for (auto& n : *r) fmt::print("{}\n", n);
        if (int c = refresh_disconnected(g.root, before); c != 0) g.exit_code = c;
    });

    auto* connect = net->add_subcommand("connect", "connect a running container to a network");
    connect->add_option("--ip", f->ip, "IPv4 address");
    connect->add_option("--ip6", f->ip6, "IPv6 address");
    connect->add_option("--alias", f->aliases, "network-scoped alias (repeatable)");
    connect->add_option("network", f->net)->required();
    connect->add_option("container", f->container)->required();
    connect->callback([f, &g] {
        network::AttachRequest extra;
        if (!f->ip.empty()) extra.ipv4 = f->ip;
        if (!f->ip6.empty()) extra.ipv6 = f->ip6;
        extra.aliases = f->aliases;
        engine::Store store(g.root);
        auto id = store.resolve(f->container);
        auto rec = id ? store.load(*id) : Result<engine::ContainerRecord>(std::unexpected(id.error()));
        if (!rec) {  // not an engine container: the network library's own records
            auto r = network::connect(g.root, f->net, f->container, extra);
            if (!r) g.exit_code = report_error(r.error().what());
            return;
        }
        std::string ns = engine::container_netns(g.root, *rec);
        if (!engine::owns_netns(*rec) || !network::is_netns(ns)) {
            g.exit_code = report_error(fmt::format(
                "container {} cannot be connected to network {}: it is not running or has no network of its own",
                f->container, f->net));
            return;
        }
        extra.root = g.root;
        extra.container_id = rec->id;
        extra.container_name = rec->name;
        extra.netns_path = ns;
        extra.network = f->net;
        auto r = network::attach(extra);
        if (!r) {
            g.exit_code = report_error(r.error().what());
            return;
        }
        if (auto h = engine::refresh_hosts(g.root, *rec); !h) g.exit_code = report_error(h.error().what());
    });

    auto* disconnect = net->add_subcommand("disconnect", "disconnect a container from a network");
    disconnect->add_flag("-f,--force", f->force, "accepted for compatibility");
    disconnect->add_option("network", f->net)->required();
    disconnect->add_option("container", f->container)->required();
    disconnect->callback([f, &g] {
        engine::Store store(g.root);
        auto id = store.resolve(f->container);
        auto r = network::disconnect(g.root, f->net, id ? *id : f->container);
        if (!r) {
            g.exit_code = report_error(r.error().what());
            return;
        }
        if (!id) return;
        if (auto rec = store.load(*id)) {
            if (auto h = engine::refresh_hosts(g.root, *rec); !h) g.exit_code = report_error(h.error().what());
        }
    });
}

}  // namespace brig::cli
