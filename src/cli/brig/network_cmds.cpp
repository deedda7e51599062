// brig network create|ls|inspect|rm|prune|connect|disconnect: thin over engine/networks.hpp.
#include <map>
#include <set>

#include <fmt/core.h>

#include "cli/brig/commands.hpp"
#include "common/strings.hpp"
#include "engine/networks.hpp"

namespace brig::cli {

namespace {

struct NetworkFlags {
    engine::networks::CreateOptions create;
    std::vector<std::string> labels, opts, names;
    std::string driver = "bridge";
    bool quiet = false, force = false, no_trunc = false;
    std::string format;
    std::string net, container, ip, ip6;
    std::vector<std::string> aliases;
};

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
        auto labels = key_value_map(f->labels);
        f->create.labels.assign(labels.begin(), labels.end());
        if (auto o = engine::networks::apply_driver_options(f->create, key_value_map(f->opts)); !o) {
            g.exit_code = report_error(o.error().what());
            return;
        }
        auto r = engine::networks::create(g.root, f->create);
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
        auto r = engine::networks::list(g.root);
        if (!r) {
            g.exit_code = report_error(r.error().what());
            return;
        }
        if (f->format == "json") {
            std::string out = "[";
            for (std::size_t i = 0; i < r->size(); ++i) out += (i ? "," : "") + engine::networks::inspect_json((*r)[i]);
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
            auto r = engine::networks::inspect(g.root, name);
            if (!r) {
                g.exit_code = report_error(r.error().what());
                continue;
            }
            out += (first ? "" : ",\n") + engine::networks::inspect_json(*r);
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
            if (auto r = engine::networks::remove(g.root, name, f->force); !r) {
                g.exit_code = report_error(r.error().what());
                continue;
            }
            fmt::print("{}\n", name);
        }
    });

    auto* prune = net->add_subcommand("prune", "remove networks without containers");
    prune->add_flag("-f,--force", f->force, "do not ask (brig never asks)");
    prune->callback([&g] {
        auto r = engine::networks::prune(g.root);
        if (!r) {
            g.exit_code = report_error(r.error().what());
            return;
        }
        for (auto& n : *r) fmt::print("{}\n", n);
    });

    auto* connect = net->add_subcommand("connect", "connect a running container to a network");
    connect->add_option("--ip", f->ip, "IPv4 address");
    connect->add_option("--ip6", f->ip6, "IPv6 address");
    connect->add_option("--alias", f->aliases, "network-scoped alias (repeatable)");
    connect->add_option("network", f->net)->required();
    connect->add_option("container", f->container)->required();
    connect->callback([f, &g] {
        if (auto r = engine::networks::connect(g.root, {f->net, f->container, f->ip, f->ip6, f->aliases}); !r)
            g.exit_code = report_error(r.error().what());
    });

    auto* disconnect = net->add_subcommand("disconnect", "disconnect a container from a network");
    disconnect->add_flag("-f,--force", f->force, "accepted for compatibility");
    disconnect->add_option("network", f->net)->required();
    disconnect->add_option("container", f->container)->required();
    disconnect->callback([f, &g] {
        if (auto r = engine::networks::disconnect(g.root, f->net, f->container); !r)
            g.exit_code = report_error(r.error().what());
    });
}

}  // namespace brig::cli

