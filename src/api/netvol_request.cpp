#include "api/netvol_request.hpp"

#include "engine/json_fields.hpp"

namespace brig::api {

using engine::JsonFields;
using nlohmann::json;

namespace {

Result<void> must_be_object(const json& body, const char* what) {
    if (!body.is_object()) return fail("the request body must be a JSON object ({})", what);
    return {};
}

// IPAM.Config: one {Subnet, Gateway} per subnet; IPRange and AuxiliaryAddresses are refused
// (brig leases from the whole subnet).
Result<void> ipam(JsonFields& f, network::CreateOptions& o) {
    const json* ipam = f.object("IPAM");
    if (ipam == nullptr) return f.result();
    JsonFields i(*ipam, "IPAM", &f);
    std::string driver;
    i.read("Driver", driver);
    if (!driver.empty() && driver != "default") return fail("IPAM.Driver: IPAM driver {:?} is not supported (only default)", driver);
    auto cfg = ipam->find("Config");
    if (cfg == ipam->end() || cfg->is_null()) return i.result();
    if (!cfg->is_array()) return fail("IPAM.Config: expected an array");
    for (size_t n = 0; n < cfg->size(); ++n) {
        JsonFields c((*cfg)[n], fmt::format("IPAM.Config[{}]", n), &f);
        std::string subnet, gateway, range;
        std::map<std::string, std::string> aux;
        c.read("Subnet", subnet);
        c.read("Gateway", gateway);
        c.read("IPRange", range);
        c.read("AuxiliaryAddresses", aux);
        if (auto r = c.result(); !r) return r;
        if (!range.empty()) return fail("IPAM.Config[{}].IPRange: invalid: an IP range within the subnet is not supported", n);
        if (!aux.empty()) return fail("IPAM.Config[{}].AuxiliaryAddresses: invalid: auxiliary addresses are not supported", n);
        if (!subnet.empty()) o.subnets.push_back(subnet);
        if (!gateway.empty()) o.gateways.push_back(gateway);
    }
    return f.result();
}

}  // namespace

Result<network::CreateOptions> network_create_from_json(const json& body) {
    if (auto r = must_be_object(body, "docker's NetworkCreateRequest"); !r) return std::unexpected(r.error());
    network::CreateOptions o;
    JsonFields f(body, "NetworkCreateRequest");
    std::string driver, scope;
    bool ingress = false, config_only = false;
    std::map<std::string, std::string> options, labels;
    f.read("Name", o.name);
    f.read("Driver", driver);
    f.read("Scope", scope);
    f.read("Internal", o.internal);
    f.read("EnableIPv6", o.ipv6);
    f.read("Ingress", ingress);
    f.read("ConfigOnly", config_only);
    f.read("Options", options);
    f.read("Labels", labels);
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    if (o.name.empty()) return fail("Name: a network name is required");
    if (!driver.empty() && driver != "bridge") return fail("Driver: invalid: network driver {:?} is not supported (only bridge)", driver);
    if (!scope.empty() && scope != "local") return fail("Scope: invalid: scope {:?} is not supported (only local)", scope);
    if (ingress) return fail("Ingress: invalid: ingress networks are swarm's, not supported");
    if (config_only) return fail("ConfigOnly: invalid: configuration-only networks are not supported");
    if (auto r = ipam(f, o); !r) return std::unexpected(r.error());
    if (auto r = engine::networks::apply_driver_options(o, options); !r) return fail("Options: invalid: {}", r.error().message);
    o.labels.assign(labels.begin(), labels.end());
    return o;
}

Result<engine::networks::ConnectRequest> network_connect_from_json(const json& body, const std::string& network) {
    if (auto r = must_be_object(body, "docker's NetworkConnectRequest"); !r) return std::unexpected(r.error());
    engine::networks::ConnectRequest rq;
    rq.network = network;
    JsonFields f(body, "NetworkConnectRequest");
    f.read("Container", rq.container);
    if (const json* ep = f.object("EndpointConfig")) {
        JsonFields e(*ep, "EndpointConfig", &f);
        e.read("Aliases", rq.aliases);
        if (const json* ipam = e.object("IPAMConfig")) {
            JsonFields i(*ipam, "EndpointConfig.IPAMConfig", &f);
            i.read("IPv4Address", rq.ipv4);
            i.read("IPv6Address", rq.ipv6);
        }
    }
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    if (rq.container.empty()) return fail("Container: a container is required");
    return rq;
}

Result<DisconnectRequest> network_disconnect_from_json(const json& body) {
    if (auto r = must_be_object(body, "docker's NetworkDisconnectRequest"); !r) return std::unexpected(r.error());
    DisconnectRequest rq;
    JsonFields f(body, "NetworkDisconnectRequest");
    f.read("Container", rq.container);
    f.read("Force", rq.force);
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    if (rq.container.empty()) return fail("Container: a container is required");
    return rq;
}

Result<VolumeCreate> volume_create_from_json(const json& body) {
    if (auto r = must_be_object(body, "docker's VolumeCreateOptions"); !r) return std::unexpected(r.error());
    VolumeCreate v;
    std::string driver;
    JsonFields f(body, "VolumeCreateOptions");
    f.read("Name", v.name);
    f.read("Driver", driver);
    f.read("DriverOpts", v.options);
    f.read("Labels", v.labels);
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    if (body.contains("ClusterVolumeSpec") && !body["ClusterVolumeSpec"].is_null())
        return fail("ClusterVolumeSpec: invalid: cluster volumes are swarm's, not supported");
    if (!driver.empty() && driver != "local") return fail("Driver: invalid: volume driver {:?} is not supported (only local)", driver);
    return v;
}

}  // namespace brig::api
