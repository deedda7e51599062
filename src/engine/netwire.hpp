// The engine's side of container networking (brig_network, network.hpp): the network namespace
// file of a container, attaching it to its network when it starts, releasing it on stop and rm,
// the /etc/hosts, /etc/hostname and /etc/resolv.conf it sees, and what ps/inspect/port show.
//
// rec.host.network_mode: "bridge" | NAME | "none" | "host" | "container:<full id>". The network
// settings are the record's: rec.host (port_bindings, publish_all_ports, dns..., extra_hosts),
// rec.endpoint (--ip, --ip6, --mac-address, --network-alias) and rec.exposed_ports (for -P).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "engine/record.hpp"
#include "network/network.hpp"

namespace brig::engine {

// -p values ([HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTO], ranges) as docker's PortBindings.
Result<PortMap> parse_publish(const std::vector<std::string>& specs);
// PortBindings as the network library's mappings (host port 0: pick a free one).
Result<std::vector<network::PortMapping>> port_mappings(const PortMap& ports);

// The netns file the container's spec names ("" = none: host network). For container:ID, ID's.
std::string container_netns(const std::string& root, const ContainerRecord& rec);
// Whether the container owns a netns file of its own (bridge, NAME, none).
bool owns_netns(const ContainerRecord& rec);
// Where the container's /etc files are bound from (container:ID: ID's directory).
std::string etc_files_dir(const std::string& root, const ContainerRecord& rec);

// Validates the flags stored in the record (ports, --add-host, --ip...) without changing anything.
Result<void> check_network_config(const std::string& root, const ContainerRecord& rec);
// Writes hosts, hostname, resolv.conf into `dir` from the container's current attachments.
Result<void> write_etc_files(const std::string& root, const ContainerRecord& rec, const std::string& dir);
// After `brig network connect/disconnect`: rewrite the container's /etc/hosts from its current
// attachments (an entry per address, with the network's aliases). While the container's network
// namespace exists the file is bind-mounted into it, so it is rewritten in place (under a lock,
// one write then a truncate) rather than replaced; otherwise it is replaced atomically.
Result<void> refresh_hosts(const std::string& root, const ContainerRecord& rec);
// Before the monitor starts: the netns file, the attachment (if not attached yet), the /etc files.
Result<void> setup_network(const std::string& root, const ContainerRecord& rec);
// Detach from every network and remove the netns file. Idempotent; works on half-made state.
void release_network(const std::string& root, const ContainerRecord& rec);

// docker's NetworkSettings for inspect; the Ports and Networks columns of ps; `brig port` lines.
nlohmann::ordered_json network_settings(const std::string& root, const ContainerRecord& rec);
std::string ps_ports(const std::string& root, const ContainerRecord& rec);
std::string ps_networks(const std::string& root, const ContainerRecord& rec);
std::vector<std::string> port_lines(const std::string& root, const ContainerRecord& rec, const std::string& filter);

}  // namespace brig::engine
