#include "engine/networks.hpp"

#include <map>
#include <set>

#include <fmt/core.h>

#include "common/strings.hpp"
#include "engine/netwire.hpp"
#include "engine/store.hpp"

namespace brig::engine::networks {

namespace {

// The name of an engine container whose --network is this network ("" = none).
std::string engine_user_of_network(const std::string& root, const std::string& name_or_id) {
    auto info = network::inspect_network(root, name_or_id);
    if (!info) return "";
    Store store(root);
    for (const auto& id : store.ids()) {
        auto rec = store.load(id);
        if (!rec) continue;
        auto mode = network::parse_network_mode(rec->host.network_mode);
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
// (as `network disconnect` does). The first failure is returned, after trying every container.
Result<void> refresh_disconnected(const std::string& root, const std::map<std::string, std::set<std::string>>& before) {
    Result<void> out;
    Store store(root);
    for (const auto& [id, nets] : before) {
        std::set<std::string> now;
        if (auto atts = network::attachments(root, id))
            for (const auto& a : *atts) now.insert(a.network);
        if (now == nets) continue;
        auto rec = store.load(id);
        if (!rec) continue;  // not an engine container
        if (auto h = refresh_hosts(root, *rec); !h && out) out = h;
    }
    return out;
}

}  // namespace

Result<void> apply_driver_options(CreateOptions& opts, const std::map<std::string, std::string>& driver_opts) {
    for (const auto& [k, v] : driver_opts) {
        if (k == "com.docker.network.bridge.name") {
            opts.bridge = v;
        } else if (k == "com.docker.network.driver.mtu" || k == "mtu") {
            auto mtu = parse_number<int>(v);
            if (!mtu) return fail("invalid MTU \"{}\"", v);
            opts.mtu = *mtu;
        } else {
            return fail("unknown network option \"{}\"", k);
        }
    }
    return {};
}

Result<NetworkInfo> create(const std::string& root, const CreateOptions& opts) { return network::create_network(root, opts); }
Result<std::vector<NetworkInfo>> list(const std::string& root) { return network::list_networks(root); }
Result<NetworkInfo> inspect(const std::string& root, const std::string& name_or_id) {
    return network::inspect_network(root, name_or_id);
}
std::string inspect_json(const NetworkInfo& info) { return network::inspect_json(info); }

Result<void> remove(const std::string& root, const std::string& name_or_id, bool force) {
    if (auto user = engine_user_of_network(root, name_or_id); !user.empty() && !force)
        return fail("error while removing network: network {} has active endpoints (container {} uses it)", name_or_id, user);
    auto before = attached_networks(root);
    if (auto r = network::remove_network(root, name_or_id, force); !r) return r;
    return refresh_disconnected(root, before);
}

Result<std::vector<std::string>> prune(const std::string& root, const std::function<bool(const NetworkInfo&)>& select) {
    auto before = attached_networks(root);
    auto r = network::prune_networks(root, select);
    if (!r) return r;
    if (auto h = refresh_disconnected(root, before); !h) return std::unexpected(h.error());
    return r;
}

namespace {

// A container that is not running joins its network at start: connecting it records which
// (docker-compose disconnects and connects a created container to set its aliases). brig
// starts a container on one network; a second one is connected once it runs.
Result<void> set_pending_network(const Store& store, const std::string& id, const ConnectRequest& rq) {
    auto lock = store.lock(id);
    if (!lock) return std::unexpected(lock.error());
    auto loaded = store.load(id);  // again, under the lock
    if (!loaded) return std::unexpected(loaded.error());
    ContainerRecord& rec = *loaded;
    const std::string& mode = rec.host.network_mode;
    if (mode != "none" && mode != rq.network)
        return fail("container {} is not running and will start on network {}: start it, then connect it to {}", rq.container,
                    mode, rq.network);
    rec.host.network_mode = rq.network;
    rec.endpoint.ipv4_address = rq.ipv4;
    rec.endpoint.ipv6_address = rq.ipv6;
    rec.endpoint.aliases = rq.aliases;
    return store.save(rec);
}

}  // namespace

Result<void> connect(const std::string& root, const ConnectRequest& rq) {
    network::AttachRequest extra;
    if (!rq.ipv4.empty()) extra.ipv4 = rq.ipv4;
    if (!rq.ipv6.empty()) extra.ipv6 = rq.ipv6;
    extra.aliases = rq.aliases;
    Store store(root);
    auto id = store.resolve(rq.container);
    auto rec = id ? store.load(*id) : Result<ContainerRecord>(std::unexpected(id.error()));
    if (!rec) {  // not an engine container: the network library's own records
        if (auto r = network::connect(root, rq.network, rq.container, extra); !r) return std::unexpected(r.error());
        return {};
    }
    if (!store.live_state(*rec).running()) return set_pending_network(store, rec->id, rq);
    std::string ns = container_netns(root, *rec);
    if (!owns_netns(*rec) || !network::is_netns(ns))
        return fail("container {} cannot be connected to network {}: it is not running or has no network of its own",
                    rq.container, rq.network);
    extra.root = root;
    extra.container_id = rec->id;
    extra.container_name = rec->name;
    extra.netns_path = ns;
    extra.network = rq.network;
    if (auto r = network::attach(extra); !r) return std::unexpected(r.error());
    return refresh_hosts(root, *rec);
}

Result<void> disconnect(const std::string& root, const std::string& net, const std::string& container) {
    Store store(root);
    auto id = store.resolve(container);
    if (id) {
        auto lock = store.lock(*id);
        if (!lock) return std::unexpected(lock.error());
        auto rec = store.load(*id);
        if (rec && !store.live_state(*rec).running() && rec->host.network_mode == net) {
            rec->host.network_mode = "none";  // not attached yet: the network it would join at start
            rec->endpoint = {};
            return store.save(*rec);
        }
    }
    if (auto r = network::disconnect(root, net, id ? *id : container); !r) return r;
    if (!id) return {};
    if (auto rec = store.load(*id)) return refresh_hosts(root, *rec);
    return {};
}

}  // namespace brig::engine::networks
