#include "engine/stats.hpp"

#include <sys/sysinfo.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "cgroup/manager.hpp"
#include "cgroup/stats.hpp"

namespace brig::engine {

using ojson = nlohmann::ordered_json;

namespace {

uint64_t num(const ojson& j, std::initializer_list<const char*> path) {
    const ojson* cur = &j;
    for (const char* k : path) {
        if (!cur->is_object() || !cur->contains(k)) return 0;
        cur = &(*cur)[k];
    }
    return cur->is_number() ? cur->get<uint64_t>() : 0;
}

std::string fmt_units(double v, const char* const* units, int n, double base) {
    int i = 0;
    while (v >= base && i < n - 1) {
        v /= base;
        ++i;
    }
    return fmt::format("{:.4g}{}", v, units[i]);
}

}  // namespace

std::string bytes_binary(uint64_t b) {
    static const char* const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    return fmt_units(static_cast<double>(b), u, 5, 1024);
}
std::string bytes_decimal(uint64_t b) {
    static const char* const u[] = {"B", "kB", "MB", "GB", "TB"};
    return fmt_units(static_cast<double>(b), u, 5, 1000);
}

StatsSample sample_stats(const ContainerRecord& rec, pid_t pid) {
    StatsSample s;
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    s.when_ns = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    auto sys = cgroup::detect();
    if (sys) {
        if (auto cg = cgroup::plan(*sys, rec.host.cgroup_parent + "/" + rec.id, rec.id)) {
            auto env = cgroup::plan_env(*cg, *sys, false);
            ojson st = cgroup::read_stats(env, cgroup::hugepage_sizes(), ::sysconf(_SC_CLK_TCK));
            s.cpu_ns = num(st, {"cpu", "usage", "total"});
            uint64_t usage = num(st, {"memory", "usage", "usage"});
            uint64_t cache = num(st, {"memory", "stats", "total_inactive_file"});
            if (cache == 0) cache = num(st, {"memory", "stats", "inactive_file"});
            s.mem_usage = usage > cache ? usage - cache : usage;
            s.mem_limit = num(st, {"memory", "usage", "limit"});
            s.pids = num(st, {"pids", "current"});
            if (st.contains("blkio") && st["blkio"].contains("ioServiceBytesRecursive")) {
                for (const auto& e : st["blkio"]["ioServiceBytesRecursive"]) {
                    std::string op = e.value("op", "");
                    uint64_t v = e.value("value", uint64_t{0});
                    if (op == "Read" || op == "read") s.blk_read += v;
                    if (op == "Write" || op == "write") s.blk_write += v;
                }
            }
        }
    }
    struct sysinfo si {};
    if (::sysinfo(&si) == 0) {
        uint64_t total = static_cast<uint64_t>(si.totalram) * si.mem_unit;
        if (s.mem_limit == 0 || s.mem_limit > total) s.mem_limit = total;
    }
    if (pid > 0) {
        std::ifstream in(fmt::format("/proc/{}/net/dev", pid));
        std::string line;
        std::getline(in, line);
        std::getline(in, line);
        while (std::getline(in, line)) {
            auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string name = line.substr(0, colon);
            name.erase(0, name.find_first_not_of(' '));
            if (name == "lo") continue;
            std::istringstream f(line.substr(colon + 1));
            uint64_t v[16] = {};
            for (auto& x : v) f >> x;
            s.net_rx += v[0];
            s.net_tx += v[8];
        }
    }
    return s;
}

ojson stats_row(const ContainerRecord& rec, const StatsSample& prev, const StatsSample& cur) {
    double cpu = 0;
    if (cur.when_ns > prev.when_ns && cur.cpu_ns >= prev.cpu_ns)
        cpu = 100.0 * static_cast<double>(cur.cpu_ns - prev.cpu_ns) / static_cast<double>(cur.when_ns - prev.when_ns);
    double mem_perc = cur.mem_limit ? 100.0 * static_cast<double>(cur.mem_usage) / static_cast<double>(cur.mem_limit) : 0;
    return {
        {"BlockIO", bytes_decimal(cur.blk_read) + " / " + bytes_decimal(cur.blk_write)},
        {"CPUPerc", fmt::format("{:.2f}%", cpu)},
        {"Container", rec.id.substr(0, 12)},
        {"ID", rec.id.substr(0, 12)},
        {"MemPerc", fmt::format("{:.2f}%", mem_perc)},
        {"MemUsage", bytes_binary(cur.mem_usage) + " / " + bytes_binary(cur.mem_limit)},
        {"Name", rec.name},
        {"NetIO", bytes_decimal(cur.net_rx) + " / " + bytes_decimal(cur.net_tx)},
        {"PIDs", std::to_string(cur.pids)},
    };
}

}  // namespace brig::engine
