#include "cgroup/stats.hpp"

#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <sstream>

namespace brig::cgroup {
namespace {

using ojson = nlohmann::ordered_json;

uint64_t num(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    if (s == "max") return std::numeric_limits<uint64_t>::max();
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// "key value" lines -> map (memory.stat, cpu.stat, memory.events, memory.oom_control).
std::map<std::string, uint64_t> key_values(const std::optional<std::string>& text) {
    std::map<std::string, uint64_t> out;
    if (!text) return out;
    std::istringstream in(*text);
    for (std::string k, v; in >> k >> v;) out[k] = num(v);
    return out;
}

std::vector<uint64_t> numbers(const std::optional<std::string>& text) {
    std::vector<uint64_t> out;
    if (!text) return out;
    std::istringstream in(*text);
    for (std::string w; in >> w;) out.push_back(num(w));
    return out;
}

// Go's omitempty for numbers: leave zero out.
void put_nonzero(ojson& o, const char* key, uint64_t v) {
    if (v != 0) o[key] = v;
}

ojson cpu_stats(const PlanEnv& env, long ticks) {
    ojson usage = ojson::object(), throttling = ojson::object();
    uint64_t total = 0, kernel = 0, user = 0, periods = 0, throttled = 0, throttled_time = 0;
    std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
    auto v = env.where("cpuacct");
    if (v == Version::V1) {
        total = num(env.read("cpuacct", "cpuacct.usage").value_or("0"));
        percpu = numbers(env.read("cpuacct", "cpuacct.usage_percpu"));
        percpu_kernel = numbers(env.read("cpuacct", "cpuacct.usage_percpu_sys"));
        percpu_user = numbers(env.read("cpuacct", "cpuacct.usage_percpu_user"));
        auto st = key_values(env.read("cpuacct", "cpuacct.stat"));  // USER_HZ ticks
        uint64_t per_tick = 1000000000ULL / static_cast<uint64_t>(ticks > 0 ? ticks : 100);
        kernel = st["system"] * per_tick;
        user = st["user"] * per_tick;
    }
    if (env.where("cpu") == Version::V1) {
        auto st = key_values(env.read("cpu", "cpu.stat"));
        periods = st["nr_periods"];
        throttled = st["nr_throttled"];
        throttled_time = st["throttled_time"];
    } else if (env.where("unified") == Version::V2 && !v) {
        // cgroup v2: cpu.stat is a core file (usage) plus the cpu controller's (throttling).
        auto st = key_values(env.read("unified", "cpu.stat"));
        total = st["usage_usec"] * 1000;
        user = st["user_usec"] * 1000;
        kernel = st["system_usec"] * 1000;
        periods = st["nr_periods"];
        throttled = st["nr_throttled"];
        throttled_time = st["throttled_usec"] * 1000;
    }
    put_nonzero(usage, "total", total);
    if (!percpu.empty()) usage["percpu"] = percpu;
    if (!percpu_kernel.empty()) usage["percpu_kernel"] = percpu_kernel;
    if (!percpu_user.empty()) usage["percpu_user"] = percpu_user;
    usage["kernel"] = kernel;
    usage["user"] = user;
    put_nonzero(throttling, "periods", periods);
    put_nonzero(throttling, "throttledPeriods", throttled);
    put_nonzero(throttling, "throttledTime", throttled_time);
    return ojson{{"usage", usage}, {"throttling", throttling}};
}

ojson cpuset_stats(const PlanEnv& env) {
    ojson o = ojson::object();
    auto v = env.where("cpuset");
    if (!v) return o;
    auto flag = [&](const char* file) { return num(env.read("cpuset", file).value_or("0")); };
    std::vector<uint16_t> cpus, mems;
    if (*v == Version::V1) {
        cpus = parse_id_list(env.read("cpuset", "cpuset.cpus").value_or(""));
        mems = parse_id_list(env.read("cpuset", "cpuset.mems").value_or(""));
    } else {
        cpus = parse_id_list(env.read("cpuset", "cpuset.cpus.effective").value_or(""));
        mems = parse_id_list(env.read("cpuset", "cpuset.mems.effective").value_or(""));
    }
    if (!cpus.empty()) o["cpus"] = cpus;
    o["cpu_exclusive"] = flag("cpuset.cpu_exclusive");
    if (!mems.empty()) o["mems"] = mems;
    o["mem_hardwall"] = flag("cpuset.mem_hardwall");
    o["mem_exclusive"] = flag("cpuset.mem_exclusive");
    o["memory_migrate"] = flag("cpuset.memory_migrate");
    o["memory_spread_page"] = flag("cpuset.memory_spread_page");
    o["memory_spread_slab"] = flag("cpuset.memory_spread_slab");
    o["memory_pressure"] = flag("cpuset.memory_pressure");
    o["sched_load_balance"] = flag("cpuset.sched_load_balance");
    auto level = env.read("cpuset", "cpuset.sched_relax_domain_level");
    int64_t lv = 0;
    if (level) std::from_chars(level->data(), level->data() + level->size(), lv);
    o["sched_relax_domain_level"] = lv;
    return o;
}

ojson memory_entry(uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt) {
    ojson e{{"limit", limit}};
    put_nonzero(e, "usage", usage);
    put_nonzero(e, "max", max);
    e["failcnt"] = failcnt;
    return e;
}

ojson memory_stats(const PlanEnv& env) {
    ojson o = ojson::object();
    auto v = env.where("memory");
    if (!v) {
        o["usage"] = memory_entry(0, 0, 0, 0);
        o["swap"] = memory_entry(0, 0, 0, 0);
        o["kernel"] = memory_entry(0, 0, 0, 0);
        o["kernelTCP"] = memory_entry(0, 0, 0, 0);
        return o;
    }
    auto raw = key_values(env.read("memory", "memory.stat"));
    ojson events = ojson::object();
    auto entry = [&](const std::string& prefix) {
        if (!env.exists("memory", prefix + ".usage_in_bytes")) return memory_entry(0, 0, 0, 0);
        auto r = [&](const char* suffix) { return num(env.read("memory", prefix + suffix).value_or("0")); };
        return memory_entry(r(".limit_in_bytes"), r(".usage_in_bytes"), r(".max_usage_in_bytes"), r(".failcnt"));
    };
    if (*v == Version::V1) {
        put_nonzero(o, "cache", raw["cache"]);
        o["usage"] = entry("memory");
        o["swap"] = entry("memory.memsw");
        o["kernel"] = entry("memory.kmem");
        o["kernelTCP"] = entry("memory.kmem.tcp");
        auto oom = key_values(env.read("memory", "memory.oom_control"));
        events = ojson{{"low", 0}, {"high", 0}, {"max", 0}, {"oom", oom["under_oom"]}, {"oom_kill", oom["oom_kill"]}};
    } else {
        put_nonzero(o, "cache", raw["file"]);
        auto ev = key_values(env.read("memory", "memory.events"));
        uint64_t usage = num(env.read("memory", "memory.current").value_or("0"));
        uint64_t limit = num(env.read("memory", "memory.max").value_or("max"));
        uint64_t peak = num(env.read("memory", "memory.peak").value_or("0"));
        o["usage"] = memory_entry(limit, usage, peak, ev["max"]);
        // As runc does: v1's swap figures are memory+swap; v2 counts swap alone.
        uint64_t swap = num(env.read("memory", "memory.swap.current").value_or("0"));
        uint64_t swap_max = num(env.read("memory", "memory.swap.max").value_or("max"));
        uint64_t both = swap_max == std::numeric_limits<uint64_t>::max() || limit == std::numeric_limits<uint64_t>::max()
                            ? std::numeric_limits<uint64_t>::max()
                            : swap_max + limit;
        o["swap"] = memory_entry(both, swap + usage, 0, 0);
        o["kernel"] = memory_entry(0, 0, 0, 0);
        o["kernelTCP"] = memory_entry(0, 0, 0, 0);
        events = ojson{{"low", ev["low"]}, {"high", ev["high"]}, {"max", ev["max"]}, {"oom", ev["oom"]},
                       {"oom_kill", ev["oom_kill"]}};
    }
    if (!raw.empty()) {
        ojson r = ojson::object();
        for (auto& [k, val] : raw) r[k] = val;
        o["raw"] = r;
    }
    o["event_count"] = events;
    return o;
}

ojson pids_stats(const PlanEnv& env) {
    ojson o = ojson::object();
    if (!env.where("pids")) return o;
    put_nonzero(o, "current", num(env.read("pids", "pids.current").value_or("0")));
    auto max = env.read("pids", "pids.max").value_or("max");
    put_nonzero(o, "limit", max == "max" ? 0 : num(max));
    return o;
}

ojson blkio_entry(uint64_t major, uint64_t minor, const std::string& op, uint64_t value) {
    ojson e = ojson::object();
    put_nonzero(e, "major", major);
    put_nonzero(e, "minor", minor);
    if (!op.empty()) e["op"] = op;
    put_nonzero(e, "value", value);
    return e;
}

// v1 "8:0 Read 4096" lines ("Total N" lines are left out, as runc does).
ojson blkio_v1_file(const std::optional<std::string>& text) {
    ojson arr = ojson::array();
    if (!text) return arr;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream l(line);
        std::string dev, op, value;
        if (!(l >> dev >> op)) continue;
        if (!(l >> value)) continue;  // "Total N"
        auto colon = dev.find(':');
        if (colon == std::string::npos) continue;
        arr.push_back(blkio_entry(num(dev.substr(0, colon)), num(dev.substr(colon + 1)), op, num(value)));
    }
    return arr;
}

ojson blkio_stats(const PlanEnv& env) {
    ojson o = ojson::object();
    auto v = env.where("blkio");
    if (!v) return o;
    auto put = [&](const char* key, ojson arr) {
        if (!arr.empty()) o[key] = std::move(arr);
    };
    if (*v == Version::V1) {
        // CFQ's files, else BFQ's, else the throttling layer's (always there).
        std::string prefix = env.exists("blkio", "blkio.io_service_bytes_recursive")       ? "blkio."
                             : env.exists("blkio", "blkio.bfq.io_service_bytes_recursive") ? "blkio.bfq."
                                                                                            : "blkio.throttle.";
        put("ioServiceBytesRecursive", blkio_v1_file(env.read("blkio", prefix + "io_service_bytes_recursive")));
        put("ioServicedRecursive", blkio_v1_file(env.read("blkio", prefix + "io_serviced_recursive")));
        if (prefix != "blkio.throttle.") {
            put("ioQueueRecursive", blkio_v1_file(env.read("blkio", prefix + "io_queued_recursive")));
            put("ioServiceTimeRecursive", blkio_v1_file(env.read("blkio", prefix + "io_service_time_recursive")));
            put("ioWaitTimeRecursive", blkio_v1_file(env.read("blkio", prefix + "io_wait_time_recursive")));
            put("ioMergedRecursive", blkio_v1_file(env.read("blkio", prefix + "io_merged_recursive")));
            put("ioTimeRecursive", blkio_v1_file(env.read("blkio", prefix + "time_recursive")));
            put("sectorsRecursive", blkio_v1_file(env.read("blkio", prefix + "sectors_recursive")));
        }
        return o;
    }
    // v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"
    ojson bytes = ojson::array(), ios = ojson::array();
    auto text = env.read("blkio", "io.stat");
    std::istringstream in(text.value_or(""));
    for (std::string line; std::getline(in, line);) {
        std::istringstream l(line);
        std::string dev;
        if (!(l >> dev)) continue;
        auto colon = dev.find(':');
        if (colon == std::string::npos) continue;
        uint64_t major = num(dev.substr(0, colon)), minor = num(dev.substr(colon + 1));
        for (std::string kv; l >> kv;) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            std::string k = kv.substr(0, eq);
            uint64_t val = num(kv.substr(eq + 1));
            if (k == "rbytes") bytes.push_back(blkio_entry(major, minor, "Read", val));
            else if (k == "wbytes") bytes.push_back(blkio_entry(major, minor, "Write", val));
            else if (k == "rios") ios.push_back(blkio_entry(major, minor, "Read", val));
            else if (k == "wios") ios.push_back(blkio_entry(major, minor, "Write", val));
        }
    }
    put("ioServiceBytesRecursive", std::move(bytes));
    put("ioServicedRecursive", std::move(ios));
    return o;
}

ojson hugetlb_stats(const PlanEnv& env, const std::vector<std::string>& sizes) {
    ojson o = ojson::object();
    auto v = env.where("hugetlb");
    if (!v) return o;
    for (auto& size : sizes) {
        std::string p = "hugetlb." + size;
        ojson e = ojson::object();
        if (*v == Version::V1) {
            if (!env.exists("hugetlb", p + ".usage_in_bytes")) continue;
            put_nonzero(e, "usage", num(env.read("hugetlb", p + ".usage_in_bytes").value_or("0")));
            put_nonzero(e, "max", num(env.read("hugetlb", p + ".max_usage_in_bytes").value_or("0")));
            e["failcnt"] = num(env.read("hugetlb", p + ".failcnt").value_or("0"));
        } else {
            if (!env.exists("hugetlb", p + ".current")) continue;
            put_nonzero(e, "usage", num(env.read("hugetlb", p + ".current").value_or("0")));
            e["failcnt"] = key_values(env.read("hugetlb", p + ".events"))["max"];
        }
        o[size] = e;
    }
    return o;
}

}  // namespace

std::vector<std::string> hugepage_sizes() {
    std::vector<std::string> out;
    DIR* d = ::opendir("/sys/kernel/mm/hugepages");
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;  // hugepages-2048kB
        if (!n.starts_with("hugepages-") || !n.ends_with("kB")) continue;
        n.remove_prefix(10);
        n.remove_suffix(2);
        uint64_t kib = 0;
        auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), kib);
        if (ec == std::errc() && p == n.data() + n.size()) out.push_back(hugepage_size_name(kib));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<uint16_t> parse_id_list(std::string_view list) {
    std::vector<uint16_t> out;
    while (!list.empty() && (list.back() == '\n' || list.back() == ' ')) list.remove_suffix(1);
    if (list.empty()) return out;
    size_t i = 0;
    while (i <= list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string_view::npos) j = list.size();
        std::string_view part = list.substr(i, j - i);
        unsigned lo = 0, hi = 0;
        auto dash = part.find('-');
        auto parse = [](std::string_view s, unsigned& v) {
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            return ec == std::errc() && p == s.data() + s.size() && !s.empty() && v <= 65535;
        };
        if (dash == std::string_view::npos) {
            if (!parse(part, lo)) return {};
            hi = lo;
        } else if (!parse(part.substr(0, dash), lo) || !parse(part.substr(dash + 1), hi) || hi < lo) {
            return {};
        }
        for (unsigned v = lo; v <= hi; ++v) out.push_back(static_cast<uint16_t>(v));
        i = j + 1;
    }
    return out;
}

nlohmann::ordered_json read_stats(const PlanEnv& env, const std::vector<std::string>& page_sizes, long clock_ticks) {
    ojson s;
    s["cpu"] = cpu_stats(env, clock_ticks);
    s["cpuset"] = cpuset_stats(env);
    s["memory"] = memory_stats(env);
    s["pids"] = pids_stats(env);
    s["blkio"] = blkio_stats(env);
    s["hugetlb"] = hugetlb_stats(env, page_sizes);
    s["intel_rdt"] = ojson::object();
    s["network_interfaces"] = nullptr;
    return s;
}

std::optional<uint64_t> oom_kill_count(const PlanEnv& env) {
    auto v = env.where("memory");
    if (!v) return std::nullopt;
    auto kv = key_values(env.read("memory", *v == Version::V1 ? "memory.oom_control" : "memory.events"));
    auto it = kv.find("oom_kill");
    if (it == kv.end()) return std::nullopt;
    return it->second;
}

}  // namespace brig::cgroup
