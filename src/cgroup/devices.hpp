// Device access control for the container's cgroup.
//
// The spec's linux.resources.devices rules are read in order, later rules overriding
// earlier ones, on top of "deny everything" (as runc does). The runtime's default devices
// and the nodes listed in linux.devices are allowed after them. The rules are reduced to
// what the kernel's v1 devices controller keeps, a default verdict plus exceptions:
//   - v1: "a" to devices.allow or devices.deny, then every exception to the other file;
//   - v2: an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) that implements the same policy,
//     assembled here from raw instructions and attached with BPF_F_ALLOW_MULTI.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "oci/spec.hpp"

namespace brig::cgroup {

// Access bits, numbered as the kernel's BPF device context numbers them.
inline constexpr uint8_t kDevMknod = 1;  // BPF_DEVCG_ACC_MKNOD
inline constexpr uint8_t kDevRead = 2;   // BPF_DEVCG_ACC_READ
inline constexpr uint8_t kDevWrite = 4;  // BPF_DEVCG_ACC_WRITE
inline constexpr uint8_t kDevAll = kDevMknod | kDevRead | kDevWrite;
inline constexpr int64_t kDevWildcard = -1;

struct DevRule {
    char type = 'a';                 // 'a' (all), 'c', 'b'
    int64_t major = kDevWildcard;    // -1: any
    int64_t minor = kDevWildcard;
    uint8_t access = kDevAll;
    bool allow = false;
};

// An entry that differs from the default verdict (its verdict is the opposite one).
struct DevException {
    char type = 'c';  // 'c' or 'b'
    int64_t major = kDevWildcard;
    int64_t minor = kDevWildcard;
    uint8_t access = 0;
    bool operator==(const DevException&) const = default;
};

struct DevicePolicy {
    bool default_allow = false;
    std::vector<DevException> exceptions;
};

// "rwm" -> bits; unknown letters are ignored (the spec validator refuses them).
uint8_t parse_access(std::string_view access);
std::string access_string(uint8_t access);

// The rules runc 1.1 always appends: mknod of any node, and /dev/null, zero, full, random,
// urandom, tty, the pty slaves (136:*), ptmx (5:2) and /dev/net/tun (10:200).
const std::vector<DevRule>& default_device_rules();

// The complete list: the spec's rules, then linux.devices (rwm; fifos need no rule), then
// the defaults.
std::vector<DevRule> effective_device_rules(const std::vector<oci::DeviceRule>& rules,
                                            std::span<const oci::Device> devices);

// Apply the rules in order to "deny everything", as the v1 kernel applies writes to
// devices.allow and devices.deny.
DevicePolicy reduce_device_rules(std::span<const DevRule> rules);

// "c 1:3 rwm", "b *:* m": the syntax of devices.allow and devices.deny.
std::string device_rule_string(const DevException& e);

// v1: (file, line) writes in order.
std::vector<std::pair<std::string, std::string>> v1_device_writes(const DevicePolicy& p);

// v2: the program. Returns 1 (allow) or 0 (deny) for the bpf_cgroup_dev_ctx it is given.
std::vector<bpf_insn> device_program(const DevicePolicy& p);

// Load the program and attach it to the cgroup directory, replacing the device programs
// attached there before (they are detached only once the new one is in place).
Result<void> attach_device_program(const std::string& cgroup_dir, std::span<const bpf_insn> program);

// Load the program only (the verifier's verdict, for tests); returns the kernel's log on failure.
Result<void> verify_device_program(std::span<const bpf_insn> program);

}  // namespace brig::cgroup
