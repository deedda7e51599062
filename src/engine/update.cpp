#include "engine/update.hpp"

#include <unistd.h>

#include <fmt/core.h>

#include "engine/spec.hpp"
#include "linux/fs.hpp"
#include "oci/spec.hpp"
#include "oci/write.hpp"

namespace brig::engine {
namespace {

constexpr int64_t kMinMemory = 6 << 20;  // docker's floor for --memory

Result<void> check(const HostConfig& hc, const UpdateRequest& rq, unsigned host_cpus) {
    if (rq.memory && *rq.memory > 0 && *rq.memory < kMinMemory) return fail("Minimum memory limit allowed is 6MB");
    if (hc.memory_swap > 0 && hc.memory > 0 && hc.memory_swap < hc.memory) {
        if (rq.memory_swap) return fail("Minimum memoryswap limit should be larger than memory limit, see usage");
        return fail("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
    }
    if (hc.memory_swap != 0 && hc.memory <= 0) return fail("You should always set the Memory limit when using Memoryswap limit");
    if (rq.nano_cpus && *rq.nano_cpus < 0) return fail("invalid --cpus: it must not be negative");
    if (hc.nano_cpus > static_cast<int64_t>(host_cpus) * 1000000000LL)
        return fail("range of CPUs is from 0.01 to {}.00, as there are only {} CPUs available", host_cpus, host_cpus);
    if (hc.nano_cpus > 0 && hc.nano_cpus < 10000000) return fail("range of CPUs is from 0.01 to {}.00", host_cpus);
    if (rq.cpu_shares && *rq.cpu_shares < 0) return fail("invalid --cpu-shares: it must not be negative");
    if (rq.restart && hc.auto_remove && rq.restart->name != "no")
        return fail("Restart policy cannot be updated because AutoRemove is enabled for the container");
    return {};
}

}  // namespace

bool UpdateRequest::changes_limits() const {
    return memory || memory_swap || nano_cpus || cpu_shares || pids_limit || cpuset_cpus;
}

Result<HostConfig> plan_update(const HostConfig& hc, const UpdateRequest& rq, unsigned host_cpus) {
    HostConfig out = hc;
    if (rq.memory) out.memory = *rq.memory > 0 ? *rq.memory : 0;
    if (rq.memory_swap) out.memory_swap = *rq.memory_swap;
    if (rq.memory && out.memory == 0 && !rq.memory_swap) out.memory_swap = 0;  // no memory limit: no swap limit
    if (rq.nano_cpus) out.nano_cpus = *rq.nano_cpus;
    if (rq.cpu_shares) out.cpu_shares = *rq.cpu_shares;
    if (rq.pids_limit) out.pids_limit = *rq.pids_limit > 0 ? *rq.pids_limit : 0;
    if (rq.cpuset_cpus) out.cpuset_cpus = *rq.cpuset_cpus;
    if (rq.restart) out.restart = *rq.restart;
    if (auto r = check(out, rq, host_cpus); !r) return std::unexpected(r.error());
    return out;
}

Result<std::vector<std::string>> runtime_update_args(const HostConfig& after, const UpdateRequest& rq) {
    oci::Resources res;
    if (auto r = set_limits(after, res); !r) return std::unexpected(r.error());
    auto num = [](const auto& v) { return v ? std::to_string(*v) : std::string("-1"); };
    std::vector<std::string> args;
    if (rq.memory || rq.memory_swap) {
        oci::MemoryResources m = res.memory.value_or(oci::MemoryResources{});
        // The swap first: a new limit above the old swap limit would be refused otherwise (v1).
        args.insert(args.end(), {"--memory-swap", num(m.swap), "--memory", num(m.limit)});
    }
    oci::CpuResources c = res.cpu.value_or(oci::CpuResources{});
    if (rq.nano_cpus) {
        args.insert(args.end(), {"--cpu-period", std::to_string(c.period.value_or(100000)), "--cpu-quota", num(c.quota)});
    }
    if (rq.cpu_shares) args.insert(args.end(), {"--cpu-share", std::to_string(c.shares.value_or(1024))});
    if (rq.cpuset_cpus) {
        if (c.cpus.empty()) return fail("--cpuset-cpus: clearing the CPU set of a container is not supported; give the CPUs");
        args.insert(args.end(), {"--cpuset-cpus", c.cpus});
    }
    if (rq.pids_limit) args.insert(args.end(), {"--pids-limit", res.pids ? num(res.pids->limit) : std::string("-1")});
    return args;
}

Result<void> update_container(Engine& e, const UpdateRequest& rq) {
    if (rq.empty()) return fail("update: nothing to change (give a limit such as --memory, or --restart)");
    auto lock = e.store.lock(rq.id);
    if (!lock) return std::unexpected(lock.error());
    auto rec = e.store.load(rq.id);
    if (!rec) return std::unexpected(rec.error());
    long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    auto after = plan_update(rec->host, rq, cpus > 0 ? static_cast<unsigned>(cpus) : 1u);
    if (!after) return std::unexpected(std::move(after.error()).context(fmt::format("Cannot update container {}", rec->name)));
    std::string bundle = e.store.dir(rec->id) + "/bundle";
    oci::Spec spec;
    if (rq.changes_limits()) {
        auto args = runtime_update_args(*after, rq);
        if (!args) return std::unexpected(args.error());
        if (e.store.live_state(*rec).running()) {
            args->insert(args->begin(), "update");
            args->push_back(rec->id);
            if (auto r = run_runtime(e, *args, nullptr, rec->host.runtime); !r)
                return std::unexpected(std::move(r.error()).context(fmt::format("Cannot update container {}", rec->name)));
        }
        auto loaded = oci::load_spec(bundle);
        if (!loaded) return std::unexpected(std::move(loaded.error()).context("update: read the bundle"));
        spec = std::move(*loaded);
        auto& lx = spec.linux.has_value() ? *spec.linux : spec.linux.emplace();
        auto& res = lx.resources.has_value() ? *lx.resources : lx.resources.emplace();
        if (auto r = set_limits(*after, res); !r) return std::unexpected(r.error());
        if (auto r = linuxfs::write_file_atomic(bundle + "/config.json", oci::to_string(spec), 0600, false); !r) return r;
    }
    rec->host = std::move(*after);
    return e.store.save(*rec);
}

}  // namespace brig::engine
