#include "api/stats_json.hpp"

#include <unistd.h>

#include <sstream>

#include "common/time.hpp"
#include "linux/fs.hpp"

namespace brig::api {

using ojson = nlohmann::ordered_json;

uint64_t parse_proc_stat_ns(const std::string& proc_stat, long clock_ticks) {
    std::istringstream in(proc_stat.substr(0, proc_stat.find('\n')));
    std::string label;
    in >> label;
    if (label != "cpu" || clock_ticks <= 0) return 0;
    uint64_t ticks = 0, v = 0;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    for (int i = 0; i < 8 && in >> v; ++i) ticks += v;
    return ticks * (1000000000ull / static_cast<uint64_t>(clock_ticks));
}

HostCpu sample_host_cpu() {
    HostCpu h;
    h.system_ns = parse_proc_stat_ns(linuxfs::read_file("/proc/stat").value_or(""), ::sysconf(_SC_CLK_TCK));
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    h.online_cpus = n > 0 ? static_cast<uint32_t>(n) : 1;
    h.read = now_rfc3339_nano();
    return h;
}

namespace {

ojson cpu_stats(const engine::StatsSample& s, const HostCpu& h) {
    return {{"cpu_usage", {{"total_usage", s.cpu_ns}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}}},
            {"system_cpu_usage", h.system_ns},
            {"online_cpus", h.system_ns ? h.online_cpus : 0},
            {"throttling_data", {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}}}};
}

}  // namespace

ojson stats_json(const engine::ContainerRecord& rec, const engine::StatsSample& pre, const HostCpu& pre_host,
                 const engine::StatsSample& cur, const HostCpu& cur_host, bool running) {
    ojson blkio = ojson::array();
    if (running) {
        blkio.push_back({{"major", 0}, {"minor", 0}, {"op", "read"}, {"value", cur.blk_read}});
        blkio.push_back({{"major", 0}, {"minor", 0}, {"op", "write"}, {"value", cur.blk_write}});
    }
    ojson j = {
        {"read", running ? cur_host.read : "0001-01-01T00:00:00Z"},
        {"preread", pre_host.read.empty() ? "0001-01-01T00:00:00Z" : pre_host.read},
        {"pids_stats", running ? ojson{{"current", cur.pids}} : ojson::object()},
        {"blkio_stats", {{"io_service_bytes_recursive", blkio}, {"io_serviced_recursive", nullptr},
                         {"io_queue_recursive", nullptr}, {"io_service_time_recursive", nullptr},
                         {"io_wait_time_recursive", nullptr}, {"io_merged_recursive", nullptr},
                         {"io_time_recursive", nullptr}, {"sectors_recursive", nullptr}}},
        {"num_procs", 0},
        {"storage_stats", ojson::object()},
        {"cpu_stats", running ? cpu_stats(cur, cur_host) : cpu_stats({}, {})},
        {"precpu_stats", running && !pre_host.read.empty() ? cpu_stats(pre, pre_host) : cpu_stats({}, {})},
        // usage is already without the page cache, so stats carries no inactive_file to subtract.
        {"memory_stats", running ? ojson{{"usage", cur.mem_usage}, {"stats", ojson::object()}, {"limit", cur.mem_limit}}
                                 : ojson::object()},
        {"name", "/" + rec.name},
        {"id", rec.id},
    };
    if (running && rec.host.network_mode != "none" && rec.host.network_mode != "host")
        j["networks"] = {{"eth0", {{"rx_bytes", cur.net_rx}, {"rx_packets", 0}, {"rx_errors", 0}, {"rx_dropped", 0},
                                   {"tx_bytes", cur.net_tx}, {"tx_packets", 0}, {"tx_errors", 0}, {"tx_dropped", 0}}}};
    return j;
}

}  // namespace brig::api
