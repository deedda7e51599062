#include "api/create_request.hpp"

#include "engine/host_config.hpp"
#include "engine/json_fields.hpp"

namespace brig::api {

using engine::JsonFields;
using nlohmann::json;

namespace {

// Cmd and Entrypoint: an array of strings, or (old clients) one string.
Result<std::optional<std::vector<std::string>>> string_list(const json& body, const char* key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::optional<std::vector<std::string>>();
    if (it->is_string()) return std::optional<std::vector<std::string>>(std::vector<std::string>{it->get<std::string>()});
    if (!it->is_array()) return fail("{}: expected an array of strings", key);
    std::vector<std::string> out;
    for (const auto& v : *it) {
        if (!v.is_string()) return fail("{}: expected an array of strings", key);
        out.push_back(v.get<std::string>());
    }
    return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<engine::Healthcheck>> healthcheck(JsonFields& f) {
    const json* h = f.object("Healthcheck");
    if (h == nullptr) return std::optional<engine::Healthcheck>();
    engine::Healthcheck hc;
    JsonFields hf(*h, "Healthcheck", &f);
    hf.read("Test", hc.test);
    int64_t interval = 0, timeout = 0, start = 0;
    int retries = 0;
    hf.read("Interval", interval);
    hf.read("Timeout", timeout);
    hf.read("StartPeriod", start);
    hf.read("Retries", retries);
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    if (hc.test.empty()) return std::optional<engine::Healthcheck>();  // inherit the image's
    if (hc.test.front() == "NONE") return std::optional<engine::Healthcheck>();
    if (interval > 0) hc.interval_ns = interval;
    if (timeout > 0) hc.timeout_ns = timeout;
    if (start > 0) hc.start_period_ns = start;
    if (retries > 0) hc.retries = retries;
    return std::optional<engine::Healthcheck>(std::move(hc));
}

// NetworkingConfig.EndpointsConfig: the settings for the container's network (NetworkMode's,
// or the only one given).
Result<void> endpoint(const json& body, engine::CreateRequest& rq) {
    auto nc = body.find("NetworkingConfig");
    if (nc == body.end() || nc->is_null()) return {};
    if (!nc->is_object()) return fail("NetworkingConfig: expected an object");
    auto eps = nc->find("EndpointsConfig");
    if (eps == nc->end() || eps->is_null()) return {};
    if (!eps->is_object()) return fail("NetworkingConfig.EndpointsConfig: expected an object");
    if (eps->empty()) return {};
    const json* ep = nullptr;
    std::string net;
    if (auto it = eps->find(rq.host.network_mode); it != eps->end()) {
        ep = &*it;
        net = it.key();
    } else if (eps->size() == 1) {
        ep = &eps->begin().value();
        net = eps->begin().key();
        if (rq.host.network_mode == "bridge" || rq.host.network_mode == "default") rq.host.network_mode = net;
    } else {
        return fail("NetworkingConfig.EndpointsConfig: a container is created on one network; connect the others after");
    }
    if (ep->is_null()) return {};
    JsonFields f(*ep, "NetworkingConfig.EndpointsConfig." + net);
    f.read("Aliases", rq.endpoint.aliases);
    f.read("MacAddress", rq.endpoint.mac_address);
    if (const json* ipam = f.object("IPAMConfig")) {
        JsonFields i(*ipam, f.path() + ".IPAMConfig", &f);
        i.read("IPv4Address", rq.endpoint.ipv4_address);
        i.read("IPv6Address", rq.endpoint.ipv6_address);
    }
    return f.result();
}

}  // namespace

Result<engine::CreateRequest> create_request_from_json(const json& body, const std::string& name) {
    if (!body.is_object()) return fail("the request body must be a JSON object (docker's container Config)");
    engine::CreateRequest rq;
    rq.name = name;
    JsonFields f(body, "Config");
    f.read("Image", rq.image);
    f.read("Env", rq.env);
    f.read("User", rq.user);
    f.read("WorkingDir", rq.workdir);
    f.read("Hostname", rq.hostname);
    f.read("Labels", rq.labels);
    f.read("StopSignal", rq.stop_signal);
    int stop_timeout = -1;
    f.read("StopTimeout", stop_timeout);
    if (stop_timeout >= 0) rq.stop_timeout = stop_timeout;
    f.read("Tty", rq.tty);
    f.read("OpenStdin", rq.open_stdin);
    std::string mac;
    f.read("MacAddress", mac);
    if (const json* ports = f.object("ExposedPorts"))
        for (const auto& [port, _] : ports->items()) rq.exposed_ports.push_back(port.find('/') == std::string::npos ? port + "/tcp" : port);
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    auto cmd = string_list(body, "Cmd");
    if (!cmd) return std::unexpected(cmd.error());
    if (*cmd) rq.cmd = std::move(**cmd);
    auto ep = string_list(body, "Entrypoint");
    if (!ep) return std::unexpected(ep.error());
    if (*ep) {
        // [""] is `--entrypoint ""`: no entrypoint at all.
        if (ep->value().size() == 1 && ep->value()[0].empty()) ep->value().clear();
        rq.entrypoint = std::move(**ep);
    }
    auto health = healthcheck(f);
    if (!health) return std::unexpected(health.error());
    rq.health = std::move(*health);
    if (auto hc = body.find("HostConfig"); hc != body.end() && !hc->is_null()) {
        auto host = engine::host_config_from_json(*hc);
        if (!host) return std::unexpected(host.error());
        rq.host = std::move(*host);
    }
    if (rq.host.network_mode == "default" || rq.host.network_mode.empty()) rq.host.network_mode = "bridge";
    if (auto r = endpoint(body, rq); !r) return std::unexpected(r.error());
    if (rq.endpoint.mac_address.empty()) rq.endpoint.mac_address = mac;
    if (rq.image.empty()) return fail("Config.Image: no image given");
    return rq;
}

}  // namespace brig::api
