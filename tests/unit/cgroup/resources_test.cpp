// linux.resources -> cgroup file writes, for v1 and v2, without touching the system.
#include <algorithm>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgroup/resources.hpp"
#include "fake_env.hpp"

namespace brig::cgroup {
namespace {

using ::testing::HasSubstr;
using testing::FakeCgroup;
using testing::v1_machine;
using testing::v2_machine;

// "file=value" for each write of a controller, in order (devices left out unless asked).
std::vector<std::string> writes(const ResourcePlan& p, bool with_devices = false) {
    std::vector<std::string> out;
    for (const auto& w : p.writes)
        if (with_devices || w.controller != "devices") out.push_back(w.file + "=" + w.value);
    return out;
}

ResourcePlan plan_ok(const oci::Resources& r, const FakeCgroup& f) {
    auto p = plan_resources(r, {}, f.env());
    EXPECT_TRUE(p.has_value()) << p.error().what();
    return p ? *p : ResourcePlan{};
}

std::string plan_error(const oci::Resources& r, const FakeCgroup& f) {
    auto p = plan_resources(r, {}, f.env());
    EXPECT_FALSE(p.has_value());
    return p ? "" : p.error().what();
}

TEST(CgroupConversions, CpuSharesToWeight) {
    EXPECT_EQ(cpu_shares_to_weight(0), 0u);  // unset
    EXPECT_EQ(cpu_shares_to_weight(2), 1u);
    EXPECT_EQ(cpu_shares_to_weight(1), 1u);
    EXPECT_EQ(cpu_shares_to_weight(1024), 39u);  // runc: the default 1024 becomes 39
    EXPECT_EQ(cpu_shares_to_weight(512), 20u);
    EXPECT_EQ(cpu_shares_to_weight(262144), 10000u);
    EXPECT_EQ(cpu_shares_to_weight(1u << 30), 10000u);
}

TEST(CgroupConversions, BlkioWeightToIoWeight) {
    EXPECT_EQ(blkio_weight_to_io_weight(0), 0u);
    EXPECT_EQ(blkio_weight_to_io_weight(10), 1u);
    EXPECT_EQ(blkio_weight_to_io_weight(500), 4950u);
    EXPECT_EQ(blkio_weight_to_io_weight(1000), 10000u);
}

TEST(CgroupConversions, MemorySwapToV2) {
    EXPECT_EQ(memory_swap_to_v2(0, -1).value(), -1);            // unlimited memory, swap not given
    EXPECT_EQ(memory_swap_to_v2(-1, 100).value(), -1);
    EXPECT_EQ(memory_swap_to_v2(0, 100).value(), 0);            // not set
    EXPECT_EQ(memory_swap_to_v2(300, 100).value(), 200);        // v1 memsw = limit + swap
    EXPECT_EQ(memory_swap_to_v2(100, 100).value(), 0);          // no swap
    EXPECT_FALSE(memory_swap_to_v2(50, 100).has_value());       // memsw below the limit
    EXPECT_FALSE(memory_swap_to_v2(100, 0).has_value());        // swap without a limit
}

TEST(CgroupConversions, HugepageSizeNames) {
    EXPECT_EQ(hugepage_size_name(2048), "2MB");
    EXPECT_EQ(hugepage_size_name(1048576), "1GB");
    EXPECT_EQ(hugepage_size_name(64), "64KB");
    EXPECT_EQ(hugepage_size_name(32768), "32MB");
}

// ---- memory ----

TEST(CgroupPlanV1, MemoryLimitSwapAndFriends) {
    auto f = v1_machine();
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 64 << 20;
    r.memory->swap = 128 << 20;
    r.memory->reservation = 32 << 20;
    r.memory->swappiness = 10;
    r.memory->disableOOMKiller = true;
    r.memory->kernel = 1 << 20;
    r.memory->kernelTCP = 2 << 20;
    r.memory->useHierarchy = true;  // already 1: nothing to write
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{
                                         "memory.limit_in_bytes=67108864",  // current limit is higher: limit first
                                         "memory.memsw.limit_in_bytes=134217728",
                                         "memory.soft_limit_in_bytes=33554432",
                                         "memory.kmem.limit_in_bytes=1048576",
                                         "memory.kmem.tcp.limit_in_bytes=2097152",
                                         "memory.swappiness=10",
                                         "memory.oom_control=1",
                                     }));
}

TEST(CgroupPlanV1, GrowingMemoryWritesSwapFirst) {
    auto f = v1_machine();
    f.file("memory", "memory.limit_in_bytes", "67108864");
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 256 << 20;
    r.memory->swap = 512 << 20;
    EXPECT_EQ(writes(plan_ok(r, f)),
              (std::vector<std::string>{"memory.memsw.limit_in_bytes=536870912", "memory.limit_in_bytes=268435456"}));
}

TEST(CgroupPlanV1, UnlimitedMemoryLiftsSwapToo) {
    auto f = v1_machine();
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = -1;
    EXPECT_EQ(writes(plan_ok(r, f)),
              (std::vector<std::string>{"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"}));
}

TEST(CgroupPlanV1, UpdateOfTheLimitAloneKeepsTheSwapAllowance) {
    auto f = v1_machine();
    f.update = true;
    f.file("memory", "memory.limit_in_bytes", "67108864");         // 64M
    f.file("memory", "memory.memsw.limit_in_bytes", "100663296");  // 64M + 32M swap
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 128 << 20;
    EXPECT_EQ(writes(plan_ok(r, f)),
              (std::vector<std::string>{"memory.memsw.limit_in_bytes=167772160", "memory.limit_in_bytes=134217728"}));
}

TEST(CgroupPlanV1, SwapBelowLimitAndMissingSwapAccountingAreErrors) {
    auto f = v1_machine();
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 100;
    r.memory->swap = 50;
    EXPECT_THAT(plan_error(r, f), HasSubstr("linux.resources.memory.swap: 50 is less than the memory limit 100"));
    f.files.erase("memory/memory.memsw.limit_in_bytes");
    r.memory->swap = 200;
    EXPECT_THAT(plan_error(r, f), HasSubstr("linux.resources.memory.swap: the kernel does not account swap"));
}

TEST(CgroupPlanV1, KernelMemoryOnlyWhereTheFilesExist) {
    auto f = v1_machine();
    f.files.erase("memory/memory.kmem.limit_in_bytes");
    f.files.erase("memory/memory.kmem.tcp.limit_in_bytes");
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->kernel = 1 << 20;
    r.memory->kernelTCP = 1 << 20;
    EXPECT_TRUE(plan_ok(r, f).writes.empty() || writes(plan_ok(r, f)).empty());
}

TEST(CgroupPlanV1, UseHierarchyFalseIsWrittenSoTheKernelCanRefuseIt) {
    auto f = v1_machine();
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->useHierarchy = false;
    auto p = plan_ok(r, f);
    ASSERT_EQ(writes(p), (std::vector<std::string>{"memory.use_hierarchy=0"}));
    auto w = std::find_if(p.writes.begin(), p.writes.end(),
                          [](const auto& x) { return x.file == "memory.use_hierarchy"; });
    ASSERT_NE(w, p.writes.end());
    EXPECT_EQ(w->field, "linux.resources.memory.useHierarchy");
}

TEST(CgroupPlanV2, MemoryConversions) {
    auto f = v2_machine();
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 64 << 20;
    r.memory->swap = 96 << 20;
    r.memory->reservation = 16 << 20;
    r.memory->kernel = 1 << 20;  // accounted with the rest in v2: nothing to write
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"memory.swap.max=33554432", "memory.max=67108864",
                                                                "memory.low=16777216"}));
    r.memory->swap = 64 << 20;  // swap == limit: no swap
    EXPECT_EQ(writes(plan_ok(r, f))[0], "memory.swap.max=0");
    r.memory->limit = -1;
    r.memory->swap.reset();
    r.memory->reservation = -1;
    EXPECT_EQ(writes(plan_ok(r, f)),
              (std::vector<std::string>{"memory.swap.max=max", "memory.max=max", "memory.low=max"}));
}

TEST(CgroupPlanV2, MemoryFieldsWithoutV2CounterpartAreRefused) {
    auto f = v2_machine();
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->swappiness = 10;
    EXPECT_THAT(plan_error(r, f), HasSubstr("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness"));
    r.memory->swappiness.reset();
    r.memory->disableOOMKiller = true;
    EXPECT_THAT(plan_error(r, f), HasSubstr("disableOOMKiller"));
    r.memory->disableOOMKiller = false;
    EXPECT_TRUE(plan_ok(r, f).writes.empty() || writes(plan_ok(r, f)).empty());
}

TEST(CgroupPlanV2, CheckBeforeUpdateComparesWithCurrentUsage) {
    auto f = v2_machine();
    f.file("memory", "memory.current", "50000000");
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 10000000;
    r.memory->checkBeforeUpdate = true;
    EXPECT_THAT(plan_error(r, f), HasSubstr("linux.resources.memory.limit: the container uses 50000000 bytes"));
    r.memory->checkBeforeUpdate = false;
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"memory.max=10000000"}));
}

// ---- cpu ----

TEST(CgroupPlanV1, Cpu) {
    auto f = v1_machine();
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 512;
    r.cpu->quota = 20000;
    r.cpu->period = 50000;
    r.cpu->burst = 1000;
    r.cpu->realtimePeriod = 1000000;
    r.cpu->realtimeRuntime = 950000;
    r.cpu->idle = 1;
    r.cpu->cpus = "0-1";
    r.cpu->mems = "0";
    auto p = plan_ok(r, f);
    EXPECT_EQ(writes(p), (std::vector<std::string>{"cpuset.cpus=0-1", "cpuset.mems=0", "cpu.shares=512",
                                                   "cpu.cfs_period_us=50000", "cpu.cfs_quota_us=20000",
                                                   "cpu.cfs_burst_us=1000", "cpu.rt_period_us=1000000",
                                                   "cpu.rt_runtime_us=950000", "cpu.idle=1"}));
    // The period may be refused until the quota is in (runc retries it after).
    for (const auto& w : p.writes) {
        EXPECT_EQ(w.retry_on_einval, w.file == "cpu.cfs_period_us") << w.file;
        if (w.file.starts_with("cpuset.")) {
            EXPECT_EQ(w.controller, "cpuset");
        }
        if (w.file == "cpu.idle") {
            EXPECT_EQ(w.field, "linux.resources.cpu.idle");
        }
    }
}

TEST(CgroupPlanV1, CpuFeaturesMissingFromTheKernelAreNamed) {
    auto f = v1_machine();
    f.files.erase("cpu/cpu.rt_runtime_us");
    f.files.erase("cpu/cpu.cfs_burst_us");
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->realtimeRuntime = 1000;
    EXPECT_THAT(plan_error(r, f), HasSubstr("linux.resources.cpu.realtimeRuntime: realtime scheduling groups"));
    r.cpu->realtimeRuntime.reset();
    r.cpu->burst = 5;
    EXPECT_THAT(plan_error(r, f), HasSubstr("linux.resources.cpu.burst"));
}

TEST(CgroupPlanV2, Cpu) {
    auto f = v2_machine();
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->burst = 100;
    r.cpu->idle = 0;
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"cpu.weight=39", "cpu.max=50000 100000",
                                                               "cpu.max.burst=100", "cpu.idle=0"}));
    // A period alone keeps the quota in force; -1 quota is "max".
    f.file("cpu", "cpu.max", "30000 100000");
    r = {};
    r.cpu = oci::CpuResources{};
    r.cpu->period = 200000;
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"cpu.max=30000 200000"}));
    r.cpu->quota = -1;
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"cpu.max=max 200000"}));
    r.cpu->realtimeRuntime = 5;
    EXPECT_THAT(plan_error(r, f), HasSubstr("cgroup v2 has no realtime scheduling groups"));
}

// ---- pids, blkio, hugetlb, network, rdma, unified ----

TEST(CgroupPlan, Pids) {
    for (auto f : {v1_machine(), v2_machine()}) {
        oci::Resources r;
        r.pids = oci::PidsResources{};
        r.pids->limit = 10;
        EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"pids.max=10"}));
        r.pids->limit = -1;
        EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"pids.max=max"}));
        r.pids->limit = 0;  // runc: not set
        EXPECT_TRUE(writes(plan_ok(r, f)).empty());
    }
}

TEST(CgroupPlanV1, BlkioThrottlesAndWeights) {
    auto f = v1_machine();
    oci::Resources r;
    r.blockIO = oci::BlockIOResources{};
    r.blockIO->throttleReadBpsDevice = {{8, 0, 1048576}};
    r.blockIO->throttleWriteBpsDevice = {{8, 0, 2097152}};
    r.blockIO->throttleReadIOPSDevice = {{8, 16, 100}};
    r.blockIO->throttleWriteIOPSDevice = {{8, 16, 200}};
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"blkio.throttle.read_bps_device=8:0 1048576",
                                                               "blkio.throttle.write_bps_device=8:0 2097152",
                                                               "blkio.throttle.read_iops_device=8:16 100",
                                                               "blkio.throttle.write_iops_device=8:16 200"}));
    // No CFQ/BFQ weight file (like this machine): the weight is refused with the reason.
    r.blockIO = oci::BlockIOResources{};
    r.blockIO->weight = 500;
    EXPECT_THAT(plan_error(r, f), HasSubstr("linux.resources.blockIO.weight: this kernel's blkio controller has no weight file"));
    f.file("blkio", "blkio.bfq.weight", "100");
    r.blockIO->weightDevice = {{8, 0, 300, std::nullopt}};
    EXPECT_EQ(writes(plan_ok(r, f)),
              (std::vector<std::string>{"blkio.bfq.weight=500", "blkio.bfq.weight_device=8:0 300"}));
    f.file("blkio", "blkio.weight", "500");
    f.file("blkio", "blkio.leaf_weight", "500");
    f.file("blkio", "blkio.leaf_weight_device");
    r.blockIO->leafWeight = 300;
    r.blockIO->weightDevice = {{8, 0, 300, 200}};
    EXPECT_EQ(writes(plan_ok(r, f)),
              (std::vector<std::string>{"blkio.weight=500", "blkio.leaf_weight=300", "blkio.weight_device=8:0 300",
                                        "blkio.leaf_weight_device=8:0 200"}));
}

TEST(CgroupPlanV2, IoConversions) {
    auto f = v2_machine();
    oci::Resources r;
    r.blockIO = oci::BlockIOResources{};
    r.blockIO->weight = 500;
    r.blockIO->leafWeight = 300;  // no v2 counterpart: ignored, as runc and crun do
    r.blockIO->weightDevice = {{8, 0, 1000, std::nullopt}};
    r.blockIO->throttleReadBpsDevice = {{8, 0, 1048576}};
    r.blockIO->throttleWriteIOPSDevice = {{8, 0, 0}};
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"io.weight=4950", "io.weight=8:0 10000",
                                                               "io.max=8:0 rbps=1048576", "io.max=8:0 wiops=max"}));
    f.file("blkio", "io.bfq.weight", "100");  // BFQ takes blkio weights unconverted
    r.blockIO->throttleReadBpsDevice.clear();
    r.blockIO->throttleWriteIOPSDevice.clear();
    EXPECT_EQ(writes(plan_ok(r, f)), (std::vector<std::string>{"io.bfq.weight=500", "io.bfq.weight=8:0 1000"}));
}

TEST(CgroupPlan, Hugetlb) {
    oci::Resources r;
    r.hugepageLimits = {{"2MB", 4194304}};
    auto v2 = v2_machine();
    EXPECT_EQ(writes(plan_ok(r, v2)),
              (std::vector<std::string>{"hugetlb.2MB.max=4194304", "hugetlb.2MB.rsvd.max=4194304"}));
    auto v1 = v1_machine();
    EXPECT_THAT(plan_error(r, v1),
                HasSubstr("linux.resources.hugepageLimits: the hugetlb cgroup controller is not available"));
    v1.where["hugetlb"] = Version::V1;
    v1.file("hugetlb", "hugetlb.2MB.limit_in_bytes");
    EXPECT_EQ(writes(plan_ok(r, v1)), (std::vector<std::string>{"hugetlb.2MB.limit_in_bytes=4194304"}));
    r.hugepageLimits = {{"2MB", 1}, {"16GB", 1}};
    EXPECT_THAT(plan_error(r, v1), HasSubstr("linux.resources.hugepageLimits[1].pageSize"));
}

TEST(CgroupPlan, Network) {
    oci::Resources r;
    r.network = oci::NetworkResources{};
    r.network->classID = 0x100001;
    r.network->priorities = {{"eth0", 5}, {"lo", 2}};
    auto v1 = v1_machine();
    EXPECT_THAT(plan_error(r, v1), HasSubstr("linux.resources.network.classID: the net_cls cgroup controller"));
    v1.where["net_cls"] = Version::V1;
    v1.where["net_prio"] = Version::V1;
    EXPECT_EQ(writes(plan_ok(r, v1)), (std::vector<std::string>{"net_cls.classid=1048577", "net_prio.ifpriomap=eth0 5",
                                                                "net_prio.ifpriomap=lo 2"}));
    auto v2 = v2_machine();
    v2.where["net_cls"] = Version::V2;  // even if something claimed it, v2 has no such files
    EXPECT_THAT(plan_error(r, v2), HasSubstr("cgroup v2 has no net_cls"));
}

TEST(CgroupPlan, Rdma) {
    oci::Resources r;
    r.rdma["mlx5_0"] = {10, std::nullopt};
    r.rdma["mlx4_0"] = {1, 2};
    auto v2 = v2_machine();
    EXPECT_EQ(writes(plan_ok(r, v2)),
              (std::vector<std::string>{"rdma.max=mlx4_0 hca_handle=1 hca_object=2", "rdma.max=mlx5_0 hca_handle=10"}));
    EXPECT_THAT(plan_error(r, v1_machine()), HasSubstr("linux.resources.rdma[\"mlx4_0\"]: the rdma cgroup controller"));
}

TEST(CgroupPlan, UnifiedIsValidatedAndNeedsV2) {
    oci::Resources r;
    r.unified["memory.high"] = "1000000";
    auto v2 = v2_machine();
    auto p = plan_ok(r, v2);
    ASSERT_EQ(writes(p), (std::vector<std::string>{"memory.high=1000000"}));
    EXPECT_EQ(p.writes[0].controller, "unified");
    EXPECT_EQ(p.writes[0].version, Version::V2);
    r.unified = {{"io.nosuch", "1"}};
    EXPECT_THAT(plan_error(r, v2), HasSubstr("linux.resources.unified[\"io.nosuch\"]: the container's cgroup has no file "
                                             "\"io.nosuch\" (is the \"io\" controller enabled?)"));
    for (const char* bad : {"../memory.max", "a/b", "..", "."}) {
        r.unified = {{bad, "1"}};
        EXPECT_THAT(plan_error(r, v2), HasSubstr("must name a file in the container's cgroup directory")) << bad;
    }
    r.unified = {{"memory.high", "1"}};
    EXPECT_THAT(plan_error(r, v1_machine()), HasSubstr("needs cgroup v2"));
}

TEST(CgroupPlan, MissingControllerIsNamed) {
    FakeCgroup none;
    oci::Resources r;
    r.pids = oci::PidsResources{};
    r.pids->limit = 5;
    EXPECT_THAT(plan_error(r, none), HasSubstr("linux.resources.pids.limit: the pids cgroup controller is not available"));
}

// ---- devices ----

TEST(CgroupPlanV1, DevicesAreWrittenFirstAndOnlyAtCreate) {
    auto f = v1_machine();
    oci::Resources r;
    r.devices = {{false, "", std::nullopt, std::nullopt, "rwm"}, {true, "c", 10, 229, "rw"}};
    r.pids = oci::PidsResources{};
    r.pids->limit = 3;
    auto p = plan_ok(r, f);
    auto all = writes(p, true);
    ASSERT_GE(all.size(), 4u);
    EXPECT_EQ(all[0], "devices.deny=a");
    EXPECT_EQ(all[1], "devices.allow=c 10:229 rw");
    EXPECT_EQ(all.back(), "pids.max=3");
    EXPECT_FALSE(p.bpf_devices.has_value());
    f.update = true;
    EXPECT_EQ(writes(plan_ok(r, f), true), (std::vector<std::string>{"pids.max=3"}));
}

TEST(CgroupPlanV2, DevicesBecomeAProgram) {
    auto f = v2_machine();
    oci::Resources r;
    r.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"}};
    auto p = plan_ok(r, f);
    EXPECT_TRUE(writes(p, true).empty());
    ASSERT_TRUE(p.bpf_devices.has_value());
    EXPECT_FALSE(p.bpf_devices->default_allow);
    EXPECT_EQ(p.bpf_devices->exceptions.size(), default_device_rules().size());
}

}  // namespace
}  // namespace brig::cgroup
