// A cgroup made of a table: which controllers are where, and what files hold.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "cgroup/resources.hpp"

namespace brig::cgroup::testing {

struct FakeCgroup {
    std::map<std::string, Version> where;              // controller -> version
    std::map<std::string, std::string> files;          // "controller/file" -> content
    bool update = false;

    void file(const std::string& controller, const std::string& name, const std::string& content = "") {
        files[controller + "/" + name] = content;
    }

    PlanEnv env() const {
        PlanEnv e;
        e.where = [this](std::string_view c) -> std::optional<Version> {
            auto it = where.find(std::string(c));
            if (it == where.end()) return std::nullopt;
            return it->second;
        };
        e.exists = [this](std::string_view c, std::string_view f) {
            return files.count(std::string(c) + "/" + std::string(f)) > 0;
        };
        e.read = [this](std::string_view c, std::string_view f) -> std::optional<std::string> {
            auto it = files.find(std::string(c) + "/" + std::string(f));
            if (it == files.end()) return std::nullopt;
            return it->second;
        };
        e.update = update;
        return e;
    }
};

// A v1 machine like this one: every usual controller, with the files a 6.x kernel has.
inline FakeCgroup v1_machine() {
    FakeCgroup f;
    for (const char* c : {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"})
        f.where[c] = Version::V1;
    for (const char* n : {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.kmem.limit_in_bytes",
                          "memory.kmem.tcp.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness",
                          "memory.oom_control"})
        f.file("memory", n, "9223372036854771712");
    f.file("memory", "memory.use_hierarchy", "1");
    for (const char* n : {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.cfs_burst_us", "cpu.rt_period_us",
                          "cpu.rt_runtime_us", "cpu.idle"})
        f.file("cpu", n, "0");
    f.file("blkio", "blkio.throttle.read_bps_device");
    return f;
}

// A pure v2 machine with the usual controllers enabled for the container.
inline FakeCgroup v2_machine() {
    FakeCgroup f;
    for (const char* c : {"cpu", "cpuset", "memory", "blkio", "pids", "hugetlb", "rdma", "devices", "unified"})
        f.where[c] = Version::V2;
    for (const char* n : {"memory.max", "memory.swap.max", "memory.low", "memory.current"}) f.file("memory", n, "max");
    f.file("memory", "memory.current", "1000");
    f.file("cpu", "cpu.max", "max 100000");
    f.file("cpu", "cpu.weight", "100");
    f.file("cpu", "cpu.max.burst", "0");
    f.file("cpu", "cpu.idle", "0");
    f.file("blkio", "io.weight", "default 100");
    f.file("blkio", "io.max");
    f.file("hugetlb", "hugetlb.2MB.max", "max");
    f.file("hugetlb", "hugetlb.2MB.rsvd.max", "max");
    f.file("unified", "memory.high", "max");
    return f;
}

}  // namespace brig::cgroup::testing
