#include "cgroup/resources.hpp"

#include "common/strings.hpp"

namespace brig::cgroup {

uint64_t cpu_shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    if (shares <= 2) return 1;
    if (shares >= 262144) return 10000;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) {
    if (weight == 0) return 0;
    if (weight <= 10) return 1;
    if (weight >= 1000) return 10000;
    return 1 + ((weight - 10) * 9999) / 990;
}

Result<int64_t> memory_swap_to_v2(int64_t swap, int64_t limit) {
    if (limit == -1 && swap == 0) return -1;  // unlimited memory: unlimited swap too
    if (swap == -1 || swap == 0) return swap;
    if (limit == 0 || limit == -1) return fail("a swap limit needs a memory limit");
    if (limit > swap) return fail("memory+swap ({}) must not be less than the memory limit ({})", swap, limit);
    return swap - limit;
}

std::string hugepage_size_name(uint64_t kib) {
    static const char* units[] = {"KB", "MB", "GB", "TB", "PB"};
    size_t u = 0;
    double size = static_cast<double>(kib);
    while (size >= 1024 && u + 1 < std::size(units)) {
        size /= 1024;
        ++u;
    }
    return fmt::format("{:g}{}", size, units[u]);
}

namespace {

constexpr const char* kBase = "linux.resources";

// v1 files hold this (PAGE_COUNTER_MAX pages) or more when there is no limit.
constexpr uint64_t kV1Unlimited = uint64_t{1} << 62;

std::optional<uint64_t> to_u64(const std::optional<std::string>& s) {
    return s ? parse_number<uint64_t>(*s) : std::nullopt;
}

// A nonzero value, or nullopt: runc reads 0 as "not set" for most integer fields.
template <class T>
std::optional<T> set(const std::optional<T>& v) {
    if (v && *v != 0) return v;
    return std::nullopt;
}

std::string v2_num(int64_t v) { return v < 0 ? "max" : std::to_string(v); }

class Planner {
public:
    explicit Planner(const PlanEnv& env) : env_(env) {}

    ResourcePlan plan;

    // The version a controller is used with, or an error naming the field.
    Result<Version> need(std::string_view controller, std::string_view field) {
        if (auto v = env_.where(controller)) return *v;
        return fail("{}: the {} cgroup controller is not available on this machine", field, controller);
    }
    void add(std::string_view controller, Version v, std::string file, std::string value, std::string field,
             bool retry = false) {
        plan.writes.push_back({std::string(controller), v, std::move(file), std::move(value), std::move(field), retry});
    }
    bool exists(std::string_view c, std::string_view f) const { return env_.exists(c, f); }
    std::optional<std::string> read(std::string_view c, std::string_view f) const { return env_.read(c, f); }
    bool update() const { return env_.update; }

private:
    const PlanEnv& env_;
};

Result<void> plan_memory(Planner& p, const oci::MemoryResources& m) {
    const std::string f = fmt::format("{}.memory", kBase);
    auto v = p.need("memory", f);
    if (!v) return std::unexpected(v.error());
    auto limit = set(m.limit), swap = set(m.swap);

    if (*v == Version::V1) {
        bool memsw = p.exists("memory", "memory.memsw.limit_in_bytes");
        if (limit && *limit == -1 && !swap && memsw) {
            swap = -1;  // unlimited memory lifts the memory+swap limit too (runc)
        } else if (limit && *limit > 0 && !swap && memsw && p.update()) {
            // A new memory limit alone keeps the container's swap allowance.
            auto cur_limit = to_u64(p.read("memory", "memory.limit_in_bytes"));
            auto cur_memsw = to_u64(p.read("memory", "memory.memsw.limit_in_bytes"));
            if (cur_limit && cur_memsw && *cur_memsw < kV1Unlimited && *cur_memsw >= *cur_limit)
                swap = *limit + static_cast<int64_t>(*cur_memsw - *cur_limit);
        }
        if (swap && !memsw)
            return fail("{}.swap: the kernel does not account swap here (no memory.memsw.limit_in_bytes)", f);
        if (limit && swap && *limit > 0 && *swap > 0 && *swap < *limit)
            return fail("{}.swap: {} is less than the memory limit {} (in cgroup v1 it limits memory plus swap)", f,
                        *swap, *limit);
        auto write_limit = [&] { p.add("memory", *v, "memory.limit_in_bytes", std::to_string(*limit), f + ".limit"); };
        auto write_swap = [&] { p.add("memory", *v, "memory.memsw.limit_in_bytes", std::to_string(*swap), f + ".swap"); };
        if (limit && swap) {
            // The kernel keeps limit <= memsw at every step: raise memsw first when growing.
            auto cur = to_u64(p.read("memory", "memory.limit_in_bytes"));
            if (*swap == -1 || (cur && *cur < static_cast<uint64_t>(*swap))) {
                write_swap();
                write_limit();
            } else {
                write_limit();
                write_swap();
            }
        } else if (limit) {
            write_limit();
        } else if (swap) {
            write_swap();
        }
        if (auto r = set(m.reservation))
            p.add("memory", *v, "memory.soft_limit_in_bytes", std::to_string(*r), f + ".reservation");
        if (auto k = set(m.kernel); k && p.exists("memory", "memory.kmem.limit_in_bytes"))
            p.add("memory", *v, "memory.kmem.limit_in_bytes", std::to_string(*k), f + ".kernel");
        if (auto k = set(m.kernelTCP); k && p.exists("memory", "memory.kmem.tcp.limit_in_bytes"))
            p.add("memory", *v, "memory.kmem.tcp.limit_in_bytes", std::to_string(*k), f + ".kernelTCP");
        if (m.swappiness) p.add("memory", *v, "memory.swappiness", std::to_string(*m.swappiness), f + ".swappiness");
        if (m.disableOOMKiller)
            p.add("memory", *v, "memory.oom_control", *m.disableOOMKiller ? "1" : "0", f + ".disableOOMKiller");
        if (m.useHierarchy) {
            std::string want = *m.useHierarchy ? "1" : "0";
            if (p.read("memory", "memory.use_hierarchy") != want)
                p.add("memory", *v, "memory.use_hierarchy", want, f + ".useHierarchy");
        }
        return {};
    }

    // cgroup v2
    if (m.checkBeforeUpdate.value_or(false) && limit && *limit > 0) {
        auto cur = to_u64(p.read("memory", "memory.current"));
        if (cur && *cur > static_cast<uint64_t>(*limit))
            return fail("{}.limit: the container uses {} bytes, more than the new limit of {} (checkBeforeUpdate)", f,
                        *cur, *limit);
    }
    if (limit || swap) {
        int64_t lim = limit.value_or(0);
        if (!limit && swap && *swap > 0) {
            // Only swap given: it counts from the limit in force.
            if (auto cur = to_u64(p.read("memory", "memory.max"))) lim = static_cast<int64_t>(*cur);
        }
        auto sw = memory_swap_to_v2(swap.value_or(0), lim);
        if (!sw) return std::unexpected(std::move(sw.error()).context(f + ".swap"));
        std::string value;
        if (*sw == -1) value = "max";
        else if (*sw > 0) value = std::to_string(*sw);
        else if (swap && *swap > 0) value = "0";  // swap == limit: no swap at all
        if (!value.empty()) {
            if (p.exists("memory", "memory.swap.max")) p.add("memory", *v, "memory.swap.max", value, f + ".swap");
            else if (swap && value != "max")
                return fail("{}.swap: the kernel does not account swap here (no memory.swap.max)", f);
        }
        if (limit) p.add("memory", *v, "memory.max", v2_num(*limit), f + ".limit");
    }
    if (auto r = set(m.reservation)) p.add("memory", *v, "memory.low", v2_num(*r), f + ".reservation");
    // kernel and kernelTCP: cgroup v2 accounts kernel memory with the rest; nothing to write.
    if (m.swappiness) return fail("{}.swappiness: cgroup v2 has no per-cgroup swappiness", f);
    if (m.disableOOMKiller.value_or(false)) return fail("{}.disableOOMKiller: cgroup v2 cannot disable the OOM killer", f);
    if (m.useHierarchy && !*m.useHierarchy) return fail("{}.useHierarchy: cgroup v2 is always hierarchical", f);
    return {};
}

Result<void> plan_cpu(Planner& p, const oci::CpuResources& c) {
    const std::string f = fmt::format("{}.cpu", kBase);
    bool cpu_fields = set(c.shares) || set(c.quota) || set(c.period) || c.burst || set(c.realtimeRuntime) ||
                      set(c.realtimePeriod) || c.idle;
    if (cpu_fields) {
        auto v = p.need("cpu", f);
        if (!v) return std::unexpected(v.error());
        if (*v == Version::V1) {
            if (auto s = set(c.shares)) p.add("cpu", *v, "cpu.shares", std::to_string(*s), f + ".shares");
            // runc: a shorter period may be refused (EINVAL) until the new quota is in; retried after it.
            if (auto per = set(c.period))
                p.add("cpu", *v, "cpu.cfs_period_us", std::to_string(*per), f + ".period", set(c.quota).has_value());
            if (auto q = set(c.quota)) p.add("cpu", *v, "cpu.cfs_quota_us", std::to_string(*q), f + ".quota");
            if (c.burst) {
                if (!p.exists("cpu", "cpu.cfs_burst_us"))
                    return fail("{}.burst: this kernel has no cpu.cfs_burst_us (Linux 5.14 or later)", f);
                p.add("cpu", *v, "cpu.cfs_burst_us", std::to_string(*c.burst), f + ".burst");
            }
            if (set(c.realtimePeriod) || set(c.realtimeRuntime)) {
                if (!p.exists("cpu", "cpu.rt_runtime_us"))
                    return fail("{}: realtime scheduling groups are not available (kernel without CONFIG_RT_GROUP_SCHED)",
                                f + (set(c.realtimeRuntime) ? ".realtimeRuntime" : ".realtimePeriod"));
                if (auto rp = set(c.realtimePeriod))
                    p.add("cpu", *v, "cpu.rt_period_us", std::to_string(*rp), f + ".realtimePeriod");
                if (auto rr = set(c.realtimeRuntime))
                    p.add("cpu", *v, "cpu.rt_runtime_us", std::to_string(*rr), f + ".realtimeRuntime");
            }
            if (c.idle) {
                if (!p.exists("cpu", "cpu.idle")) return fail("{}.idle: this kernel has no cpu.idle (Linux 5.15 or later)", f);
                p.add("cpu", *v, "cpu.idle", std::to_string(*c.idle), f + ".idle");
            }
        } else {
            if (auto s = set(c.shares))
                p.add("cpu", *v, "cpu.weight", std::to_string(cpu_shares_to_weight(*s)), f + ".shares");
            if (set(c.quota) || set(c.period)) {
                // cpu.max holds both: "<quota|max> <period>"; a value not given stays as it is.
                std::string cur_quota = "max", cur_period = "100000";
                if (auto cur = p.read("cpu", "cpu.max")) {
                    auto sp = cur->find(' ');
                    if (sp != std::string::npos) {
                        cur_quota = cur->substr(0, sp);
                        cur_period = cur->substr(sp + 1);
                    }
                }
                std::string quota = set(c.quota) ? v2_num(*c.quota) : cur_quota;
                std::string period = set(c.period) ? std::to_string(*c.period) : cur_period;
                p.add("cpu", *v, "cpu.max", quota + " " + period, f + (set(c.quota) ? ".quota" : ".period"));
            }
            if (c.burst) {
                if (!p.exists("cpu", "cpu.max.burst"))
                    return fail("{}.burst: this kernel has no cpu.max.burst (Linux 5.14 or later)", f);
                p.add("cpu", *v, "cpu.max.burst", std::to_string(*c.burst), f + ".burst");
            }
            if (set(c.realtimePeriod) || set(c.realtimeRuntime))
                return fail("{}: cgroup v2 has no realtime scheduling groups",
                            f + (set(c.realtimeRuntime) ? ".realtimeRuntime" : ".realtimePeriod"));
            if (c.idle) {
                if (!p.exists("cpu", "cpu.idle")) return fail("{}.idle: this kernel has no cpu.idle (Linux 5.15 or later)", f);
                p.add("cpu", *v, "cpu.idle", std::to_string(*c.idle), f + ".idle");
            }
        }
    }
    if (!c.cpus.empty() || !c.mems.empty()) {
        auto v = p.need("cpuset", f + (c.cpus.empty() ? ".mems" : ".cpus"));
        if (!v) return std::unexpected(v.error());
        if (!c.cpus.empty()) p.add("cpuset", *v, "cpuset.cpus", c.cpus, f + ".cpus");
        if (!c.mems.empty()) p.add("cpuset", *v, "cpuset.mems", c.mems, f + ".mems");
    }
    return {};
}

Result<void> plan_pids(Planner& p, const oci::PidsResources& pids) {
    auto limit = set(pids.limit);
    if (!limit) return {};  // 0: not set (runc)
    const std::string f = fmt::format("{}.pids.limit", kBase);
    auto v = p.need("pids", f);
    if (!v) return std::unexpected(v.error());
    p.add("pids", *v, "pids.max", *limit < 0 ? "max" : std::to_string(*limit), f);
    return {};
}

Result<void> plan_blkio(Planner& p, const oci::BlockIOResources& b) {
    const std::string f = fmt::format("{}.blockIO", kBase);
    bool any = set(b.weight) || set(b.leafWeight) || !b.weightDevice.empty() || !b.throttleReadBpsDevice.empty() ||
               !b.throttleWriteBpsDevice.empty() || !b.throttleReadIOPSDevice.empty() ||
               !b.throttleWriteIOPSDevice.empty();
    if (!any) return {};
    auto v = p.need("blkio", f);
    if (!v) return std::unexpected(v.error());
    auto dev = [](int64_t major, int64_t minor) { return fmt::format("{}:{}", major, minor); };

    if (*v == Version::V1) {
        // CFQ has blkio.weight; BFQ has blkio.bfq.weight; other schedulers have neither.
        std::string weight_file = p.exists("blkio", "blkio.weight")       ? "blkio.weight"
                                  : p.exists("blkio", "blkio.bfq.weight") ? "blkio.bfq.weight"
                                                                          : "";
        auto no_weight = [&](std::string_view field) {
            return fail("{}: this kernel's blkio controller has no weight file (blkio.weight needs the CFQ or "
                        "BFQ I/O scheduler)",
                        field);
        };
        if (auto w = set(b.weight)) {
            if (weight_file.empty()) return no_weight(f + ".weight");
            p.add("blkio", *v, weight_file, std::to_string(*w), f + ".weight");
        }
        if (auto w = set(b.leafWeight)) {
            if (!p.exists("blkio", "blkio.leaf_weight"))
                return fail("{}.leafWeight: this kernel's blkio controller has no blkio.leaf_weight (CFQ only)", f);
            p.add("blkio", *v, "blkio.leaf_weight", std::to_string(*w), f + ".leafWeight");
        }
        for (size_t i = 0; i < b.weightDevice.size(); ++i) {
            const auto& wd = b.weightDevice[i];
            std::string field = fmt::format("{}.weightDevice[{}]", f, i);
            if (wd.weight) {
                if (weight_file.empty()) return no_weight(field);
                p.add("blkio", *v, weight_file + "_device", dev(wd.major, wd.minor) + " " + std::to_string(*wd.weight),
                      field + ".weight");
            }
            if (wd.leafWeight) {
                if (!p.exists("blkio", "blkio.leaf_weight_device"))
                    return fail("{}.leafWeight: this kernel's blkio controller has no blkio.leaf_weight_device", field);
                p.add("blkio", *v, "blkio.leaf_weight_device",
                      dev(wd.major, wd.minor) + " " + std::to_string(*wd.leafWeight), field + ".leafWeight");
            }
        }
        auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* name, const char* file) {
            for (size_t i = 0; i < list.size(); ++i)
                p.add("blkio", *v, file, dev(list[i].major, list[i].minor) + " " + std::to_string(list[i].rate),
                      fmt::format("{}.{}[{}]", f, name, i));
        };
        throttle(b.throttleReadBpsDevice, "throttleReadBpsDevice", "blkio.throttle.read_bps_device");
        throttle(b.throttleWriteBpsDevice, "throttleWriteBpsDevice", "blkio.throttle.write_bps_device");
        throttle(b.throttleReadIOPSDevice, "throttleReadIOPSDevice", "blkio.throttle.read_iops_device");
        throttle(b.throttleWriteIOPSDevice, "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device");
        return {};
    }

    // cgroup v2 "io". BFQ takes blkio weights as they are; io.weight needs the conversion.
    bool bfq = p.exists("blkio", "io.bfq.weight");
    if (auto w = set(b.weight)) {
        if (bfq) p.add("blkio", *v, "io.bfq.weight", std::to_string(*w), f + ".weight");
        else if (p.exists("blkio", "io.weight"))
            p.add("blkio", *v, "io.weight", std::to_string(blkio_weight_to_io_weight(*w)), f + ".weight");
        else
            return fail("{}.weight: this kernel's io controller has no io.weight or io.bfq.weight", f);
    }
    // leafWeight has no v2 counterpart (runc and crun ignore it too).
    for (size_t i = 0; i < b.weightDevice.size(); ++i) {
        const auto& wd = b.weightDevice[i];
        if (!wd.weight) continue;
        std::string field = fmt::format("{}.weightDevice[{}].weight", f, i);
        if (bfq) p.add("blkio", *v, "io.bfq.weight", dev(wd.major, wd.minor) + " " + std::to_string(*wd.weight), field);
        else if (p.exists("blkio", "io.weight"))
            p.add("blkio", *v, "io.weight",
                  dev(wd.major, wd.minor) + " " + std::to_string(blkio_weight_to_io_weight(*wd.weight)), field);
        else
            return fail("{}: this kernel's io controller has no io.weight or io.bfq.weight", field);
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* name, const char* key) {
        for (size_t i = 0; i < list.size(); ++i)
            p.add("blkio", *v, "io.max",
                  fmt::format("{} {}={}", dev(list[i].major, list[i].minor), key,
                              list[i].rate == 0 ? std::string("max") : std::to_string(list[i].rate)),
                  fmt::format("{}.{}[{}]", f, name, i));
    };
    throttle(b.throttleReadBpsDevice, "throttleReadBpsDevice", "rbps");
    throttle(b.throttleWriteBpsDevice, "throttleWriteBpsDevice", "wbps");
    throttle(b.throttleReadIOPSDevice, "throttleReadIOPSDevice", "riops");
    throttle(b.throttleWriteIOPSDevice, "throttleWriteIOPSDevice", "wiops");
    return {};
}

Result<void> plan_hugetlb(Planner& p, const std::vector<oci::HugepageLimit>& limits) {
    if (limits.empty()) return {};
    const std::string f = fmt::format("{}.hugepageLimits", kBase);
    auto v = p.need("hugetlb", f);
    if (!v) return std::unexpected(v.error());
    for (size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        std::string field = fmt::format("{}[{}]", f, i);
        std::string prefix = "hugetlb." + l.pageSize;
        std::string file = prefix + (*v == Version::V1 ? ".limit_in_bytes" : ".max");
        if (!p.exists("hugetlb", file))
            return fail("{}.pageSize: this kernel has no {:?} huge pages ({} is missing)", field, l.pageSize, file);
        p.add("hugetlb", *v, file, std::to_string(l.limit), field + ".limit");
        // Reservations are limited alike where the kernel has them (runc does the same).
        std::string rsvd = prefix + (*v == Version::V1 ? ".rsvd.limit_in_bytes" : ".rsvd.max");
        if (p.exists("hugetlb", rsvd)) p.add("hugetlb", *v, rsvd, std::to_string(l.limit), field + ".limit");
    }
    return {};
}

Result<void> plan_network(Planner& p, const oci::NetworkResources& n) {
    const std::string f = fmt::format("{}.network", kBase);
    if (n.classID) {
        auto v = p.need("net_cls", f + ".classID");
        if (!v) return std::unexpected(v.error());
        if (*v != Version::V1) return fail("{}.classID: cgroup v2 has no net_cls controller", f);
        p.add("net_cls", *v, "net_cls.classid", std::to_string(*n.classID), f + ".classID");
    }
    for (size_t i = 0; i < n.priorities.size(); ++i) {
        std::string field = fmt::format("{}.priorities[{}]", f, i);
        auto v = p.need("net_prio", field);
        if (!v) return std::unexpected(v.error());
        if (*v != Version::V1) return fail("{}: cgroup v2 has no net_prio controller", field);
        p.add("net_prio", *v, "net_prio.ifpriomap",
              fmt::format("{} {}", n.priorities[i].name, n.priorities[i].priority), field);
    }
    return {};
}

Result<void> plan_rdma(Planner& p, const std::map<std::string, oci::RdmaLimit>& rdma) {
    for (const auto& [device, limit] : rdma) {
        std::string field = fmt::format("{}.rdma[{:?}]", kBase, device);
        auto v = p.need("rdma", field);
        if (!v) return std::unexpected(v.error());
        std::string line = device;
        if (limit.hcaHandles) line += fmt::format(" hca_handle={}", *limit.hcaHandles);
        if (limit.hcaObjects) line += fmt::format(" hca_object={}", *limit.hcaObjects);
        p.add("rdma", *v, "rdma.max", line, field);
    }
    return {};
}

Result<void> plan_unified(Planner& p, const std::map<std::string, std::string>& unified) {
    for (const auto& [key, value] : unified) {
        std::string field = fmt::format("{}.unified[{:?}]", kBase, key);
        if (key.empty() || key == "." || key == ".." || key.find('/') != std::string::npos ||
            key.find('\0') != std::string::npos)
            return fail("{}: must name a file in the container's cgroup directory", field);
        auto v = p.need("unified", field);
        if (!v || *v != Version::V2) return fail("{}: needs cgroup v2, which this machine does not mount", field);
        if (!p.exists("unified", key)) {
            auto dot = key.find('.');
            return fail("{}: the container's cgroup has no file {:?}{}", field, key,
                        dot == std::string::npos ? std::string()
                                                 : fmt::format(" (is the {:?} controller enabled?)", key.substr(0, dot)));
        }
        p.add("unified", *v, key, value, field);
    }
    return {};
}

}  // namespace

Result<ResourcePlan> plan_resources(const oci::Resources& r, std::span<const oci::Device> devices,
                                    const PlanEnv& env) {
    Planner p(env);
    if (r.cpu && (!r.cpu->cpus.empty() || !r.cpu->mems.empty())) {
        // cpuset first, as runc orders it: a process that joins should land on its cpus.
        oci::CpuResources only_set;
        only_set.cpus = r.cpu->cpus;
        only_set.mems = r.cpu->mems;
        if (auto x = plan_cpu(p, only_set); !x) return std::unexpected(x.error());
    }
    if (!env.update) {
        if (auto v = env.where("devices")) {
            auto policy = reduce_device_rules(effective_device_rules(r.devices, devices));
            if (*v == Version::V1) {
                for (auto& [file, line] : v1_device_writes(policy))
                    p.add("devices", *v, file, line, fmt::format("{}.devices", kBase));
            } else {
                p.plan.bpf_devices = std::move(policy);
            }
        }
    }
    if (r.memory)
        if (auto x = plan_memory(p, *r.memory); !x) return std::unexpected(x.error());
    if (r.cpu) {
        oci::CpuResources rest = *r.cpu;
        rest.cpus.clear();
        rest.mems.clear();
        if (auto x = plan_cpu(p, rest); !x) return std::unexpected(x.error());
    }
    if (r.pids)
        if (auto x = plan_pids(p, *r.pids); !x) return std::unexpected(x.error());
    if (r.blockIO)
        if (auto x = plan_blkio(p, *r.blockIO); !x) return std::unexpected(x.error());
    if (auto x = plan_hugetlb(p, r.hugepageLimits); !x) return std::unexpected(x.error());
    if (r.network)
        if (auto x = plan_network(p, *r.network); !x) return std::unexpected(x.error());
    if (auto x = plan_rdma(p, r.rdma); !x) return std::unexpected(x.error());
    if (auto x = plan_unified(p, r.unified); !x) return std::unexpected(x.error());
    return std::move(p.plan);
}

}  // namespace brig::cgroup
