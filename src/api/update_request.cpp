#include "api/update_request.hpp"

#include <fmt/core.h>

#include "engine/json_fields.hpp"

namespace brig::api {

Result<engine::UpdateRequest> update_request_from_json(const nlohmann::json& body, const std::string& id) {
    if (!body.is_object()) return fail("the update body must be a JSON object");
    engine::UpdateRequest rq;
    rq.id = id;
    engine::JsonFields f(body, "UpdateConfig");
    int64_t memory = 0, swap = 0, nano_cpus = 0, shares = 0;
    std::string cpuset;
    f.read("Memory", memory);
    f.read("MemorySwap", swap);
    f.read("NanoCpus", nano_cpus);
    f.read("CpuShares", shares);
    f.read("CpusetCpus", cpuset);
    if (memory != 0) rq.memory = memory;
    if (swap != 0) rq.memory_swap = swap;
    if (nano_cpus != 0) rq.nano_cpus = nano_cpus;
    if (shares != 0) rq.cpu_shares = shares;
    if (!cpuset.empty()) rq.cpuset_cpus = cpuset;
    if (auto it = body.find("PidsLimit"); it != body.end() && !it->is_null()) {
        int64_t pids = 0;
        f.read("PidsLimit", pids);
        rq.pids_limit = pids;
    }
    if (auto rp = f.object("RestartPolicy")) {
        engine::JsonFields rf(*rp, "UpdateConfig.RestartPolicy", &f);
        std::string name;
        int retries = 0;
        rf.read("Name", name);
        rf.read("MaximumRetryCount", retries);
        if (!name.empty()) {
            auto p = engine::parse_restart_policy(retries > 0 ? fmt::format("{}:{}", name, retries) : name);
            if (!p) return std::unexpected(std::move(p.error()).context("UpdateConfig.RestartPolicy"));
            rq.restart = *p;
        }
    }
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    return rq;
}

}  // namespace brig::api
