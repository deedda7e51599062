// brig_network: container networks. Bridges and veth pairs over rtnetlink, IPAM leases in files
// under the engine root, NAT and published ports in brig's own nftables table, the files a
// container sees at /etc/hosts, /etc/hostname and /etc/resolv.conf, and a small DNS responder
// (brig-dns) per user-defined network.
//
// How the engine uses it (`brig run --network ... -p ...`):
//
//   auto mode = network::parse_network_mode(flag);        // bridge | NAME | none | host | container:ID
//   // bridge/NAME/none: the container gets a network namespace of its own, made by brig:
//   std::string ns = network::netns_path(root, id);       // <root>/netns/<id>
//   network::create_netns(ns);                            // bind-mounted like `ip netns add`, lo up
//   //   -> config.json: linux.namespaces += {"type": "network", "path": ns}
//   // host: no network namespace entry at all; container:ID: the other container's netns path.
//
//   std::vector<network::Attachment> atts;
//   if (mode.kind == network::ModeKind::Bridge) {
//       network::AttachRequest rq{.root = root, .container_id = id, .container_name = name,
//                                 .netns_path = ns, .network = mode.network};
//       rq.ipv4 = "--ip";  rq.mac = "--mac-address";  rq.aliases = {"--network-alias"...};
//       rq.ports = network::parse_port_specs({"-p" values...}) + network::exposed_ports(...) for -P;
//       auto att = network::attach(rq);                   // leases, veth, eth0, routes, nft rules, DNS
//       if (!att) fail;  atts.push_back(*att);
//   }
//   network::NameConfig nc{.hostname = ..., .extra_hosts = {--add-host}, .dns = {--dns}, .dns_search = ...};
//   auto files = network::make_etc_files(nc, atts);       // contents for /etc/hosts, /etc/hostname,
//   // write them in the container's directory and bind-mount them read-write over the rootfs files.
//
//   // host: make_etc_files with nc.host_network = true and no attachments.
//   // container:ID: no attach; reuse ID's netns path and ID's /etc files.
//   // rootless (non-root): no bridge; the container's netns is /proc/<pid>/ns/net of a process in
//   // the user's namespaces; attach_rootless(netns, userns, ports) runs pasta for it.
//
//   // on container stop / rm (also after a crash: detach works from the records alone, even
//   // when the netns is gone, and is idempotent):
//   network::detach_all(root, id);  network::remove_netns(ns);
//
// Link the executable with brig_network and make it depend on the brig-dns target: attach()
// starts bin/brig-dns from the directory of the running executable (or $BRIG_DNS).
//
// Everything that changes state takes <root>/networks/lock (flock), so concurrent brig processes
// never lease one address twice. Lease files are replaced atomically (temp file, fsync, rename,
// fsync of the directory) and written BEFORE links and rules are made, so a brig killed at any
// point leaves a record from which detach/prune removes what was made.
//
// Networking changes the network namespace the calling process is in (the host, normally): a
// bridge `brig0` for the default network `bridge` (10.88.0.0/16), `brig<N>` per user-defined
// network, the nftables table `inet brig`, net.ipv4.ip_forward=1 and route_localnet on brig's
// bridges. Tests run it inside a network namespace of their own.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace brig::network {

// ---- --network ------------------------------------------------------------------------------

enum class ModeKind { Bridge, None, Host, Container };
struct NetworkMode {
    ModeKind kind = ModeKind::Bridge;
    std::string network = "bridge";  // Bridge: the network's name
    std::string container;           // Container: the id/name after "container:"
};
Result<NetworkMode> parse_network_mode(std::string_view flag);

// ---- published ports (-p / -P) ----------------------------------------------------------------

struct PortMapping {
    std::string host_ip;          // empty: every host address
    uint16_t host_port = 0;       // 0: brig picks a free one at attach (as `-p 80` or -P)
    uint16_t container_port = 0;
    std::string protocol = "tcp";  // tcp | udp
    bool operator==(const PortMapping&) const = default;
};
// One -p value: [hostIP:][hostPort[-end]:]containerPort[-end][/tcp|udp]; ranges expand into one
// mapping per port. IPv6 host addresses in brackets: [::1]:8080:80.
Result<std::vector<PortMapping>> parse_port_spec(std::string_view spec);
Result<std::vector<PortMapping>> parse_port_specs(std::span<const std::string> specs);
// -P: the image's ExposedPorts keys ("80/tcp", "53/udp", "8000-8001/tcp") on random host ports.
Result<std::vector<PortMapping>> exposed_ports(std::span<const std::string> exposed);
std::string format_port(const PortMapping& p);  // "0.0.0.0:8080->80/tcp"

// ---- network namespace files ---------------------------------------------------------------------

std::string netns_path(std::string_view root, std::string_view container_id);  // <root>/netns/<id>
// A new network namespace kept alive by a bind mount on `path` (as `ip netns add`), lo up.
Result<void> create_netns(const std::string& path);
// Unmount and unlink; no error if it is already gone.
Result<void> remove_netns(const std::string& path);
// Whether `path` is a network namespace (a bind-mounted netns file or /proc/PID/ns/net).
bool is_netns(const std::string& path);

// ---- attaching containers ---------------------------------------------------------------------

struct AttachRequest {
    std::string root;            // engine root, e.g. /var/lib/brig
    std::string container_id;    // full id
    std::string container_name;  // resolvable on user-defined networks (with aliases, short id)
    std::string netns_path;      // the container's network namespace (file or /proc/PID/ns/net)
    std::string network = "bridge";
    std::string interface;       // in the container; empty: eth0, eth1, ... (first free)
    std::optional<std::string> ipv4;  // --ip
    std::optional<std::string> ipv6;  // --ip6
    std::optional<std::string> mac;   // --mac-address
    std::vector<std::string> aliases;  // --network-alias
    std::vector<PortMapping> ports;    // -p / -P (host_port 0 = pick one)
};

struct Attachment {
    std::string network;         // name
    std::string network_id;
    std::string interface;       // in the container, e.g. eth0
    std::string host_interface;  // the host end of the veth pair
    std::string bridge;
    std::string mac;
    std::string ipv4;            // "10.88.0.2" (empty if none)
    int ipv4_prefix = 0;
    std::string gateway4;
    std::string ipv6;
    int ipv6_prefix = 0;
    std::string gateway6;
    std::vector<std::string> aliases;
    std::vector<PortMapping> ports;  // with the host ports actually chosen
    std::string dns_server;      // the network's DNS responder (user-defined networks), else empty
    bool internal = false;
    bool default_route = false;  // this attachment carries the container's default route
};

// Lease addresses, create the veth pair, move one end into the netns as `interface`, set
// addresses, MTU, routes and links up, add the NAT/port rules and start the network's DNS
// responder. On failure nothing is left behind. Also `brig network connect` of a running
// container (a second interface). Creates the default network `bridge` on first use.
Result<Attachment> attach(const AttachRequest& rq);
// Remove everything made for the container on one network / on every network. Idempotent.
Result<void> detach(std::string_view root, std::string_view container_id, std::string_view network);
Result<void> detach_all(std::string_view root, std::string_view container_id);
// The container's current attachments (as returned by attach), from the records.
Result<std::vector<Attachment>> attachments(std::string_view root, std::string_view container_id);

// ---- /etc/hosts, /etc/hostname, /etc/resolv.conf ----------------------------------------------

struct NameConfig {
    std::string hostname;     // --hostname (default: the short container id, the engine's choice)
    std::string domainname;
    std::vector<std::pair<std::string, std::string>> extra_hosts;  // --add-host NAME:IP
    std::vector<std::string> dns, dns_search, dns_options;          // --dns --dns-search --dns-option
    std::string host_resolv_conf = "/etc/resolv.conf";  // read for the host's resolvers / search
    bool host_network = false;  // --network host: the host's resolvers as they are
};
struct EtcFiles {
    std::string hosts, hostname, resolv_conf;
};
// Contents of the three files. Reads name_config.host_resolv_conf (missing file: no servers).
EtcFiles make_etc_files(const NameConfig& nc, std::span<const Attachment> attachments);
// Parse --add-host "name:ip" (also "name=ip" and "[v6]").
Result<std::pair<std::string, std::string>> parse_add_host(std::string_view v);

// ---- network records (brig network create/ls/inspect/rm/prune) --------------------------------

struct Subnet {
    std::string subnet;   // CIDR, e.g. 10.89.0.0/24
    std::string gateway;  // e.g. 10.89.0.1
};
struct CreateOptions {
    std::string name;
    std::vector<std::string> subnets;   // --subnet (v4 and/or v6); empty: next free 10.89.N.0/24
    std::vector<std::string> gateways;  // --gateway, matched to subnets of the same family
    bool internal = false;
    bool ipv6 = false;                  // without a v6 --subnet: a fd00:... /64 is chosen
    std::string bridge;                 // empty: brig<N>
    int mtu = 0;                        // 0: 1500
    std::vector<std::pair<std::string, std::string>> labels;
};
struct Endpoint {  // one container on a network, as `network inspect` shows it
    std::string container_id, container_name, interface, host_interface, mac, ipv4, ipv6;
    std::vector<std::string> aliases;
    std::vector<PortMapping> ports;
    std::string netns_path;
    bool default_route = false;
};
struct NetworkInfo {
    std::string name, id, driver = "bridge", bridge, created;
    std::vector<Subnet> subnets;
    bool internal = false, ipv6 = false;
    int mtu = 1500;
    std::vector<std::pair<std::string, std::string>> labels;
    std::vector<Endpoint> endpoints;
};

Result<NetworkInfo> create_network(std::string_view root, const CreateOptions& opts);
Result<std::vector<NetworkInfo>> list_networks(std::string_view root);
// By name, full id or unique id prefix. The default network is created by the first inspect too.
Result<NetworkInfo> inspect_network(std::string_view root, std::string_view name_or_id);
// Refuses while containers are attached (unless force: detach them first). Removes the bridge,
// the network's rules, leases and DNS responder.
Result<void> remove_network(std::string_view root, std::string_view name_or_id, bool force = false);
// Drops stale endpoints (their netns is gone), then removes every user-defined network without
// containers (and, given `select`, that it selects: docker's prune filters). Returns the names removed.
Result<std::vector<std::string>> prune_networks(std::string_view root,
                                                const std::function<bool(const NetworkInfo&)>& select = {});
// docker-like JSON of `brig network inspect`.
std::string inspect_json(const NetworkInfo& info);

// ---- brig network connect / disconnect ------------------------------------------------------------

// Connect a container that is already attached somewhere (its netns is in the records) by its
// id, id prefix or name, or one on no network by its full id (its netns at netns_path(root, id)).
// The engine can call attach() directly instead.
Result<Attachment> connect(std::string_view root, std::string_view network, std::string_view container,
                           const AttachRequest& extra = {});
Result<void> disconnect(std::string_view root, std::string_view network, std::string_view container);

// ---- rootless (non-root user: no bridge, no nftables) ----------------------------------------------

// Give the netns at `netns_path` (owned by the user namespace `userns_path`, "" = the caller's)
// a tap-based stack through pasta (package passt): the host's addresses and routes copied in, its
// outbound traffic sent from ordinary sockets of the user, and the published ports (explicit host
// ports only) forwarded from the host. Call it as the unprivileged user. Returns pasta's pid: it
// runs detached and quits by itself when the namespace goes away.
// Needs /dev/net/tun usable by the user and a host interface with a default route.
Result<int> attach_rootless(const std::string& netns_path, const std::string& userns_path,
                            std::span<const PortMapping> ports);

}  // namespace brig::network
