// The runtime-spec "features" document (features.md, features-linux.md): what
// this runtime recognizes. Name lists come from names.hpp, the same tables the
// parser validates against, so the document cannot promise a name the parser
// rejects. Booleans describe what brig implements; flip them as features land.
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "oci/names.hpp"
#include "oci/spec.hpp"

#ifndef BRIG_VERSION
#define BRIG_VERSION "unknown"
#endif

namespace brig::oci {

namespace {

using ojson = nlohmann::ordered_json;

ojson string_list(std::span<const std::string_view> names) {
    ojson list = ojson::array();
    for (auto n : names) list.push_back(std::string(n));
    return list;
}

// Seccomp filter flags this kernel accepts. Same probe as libseccomp: with a NULL
// filter the kernel validates the flags first (EINVAL if unknown) and only then
// fails to copy the program (EFAULT), so nothing is ever installed.
ojson supported_seccomp_flags() {
    ojson list = ojson::array();
    for (auto name : seccomp_flag_names()) {
        unsigned long flag = *seccomp_flag_from_name(name);
        // WAIT_KILLABLE_RECV is only accepted together with NEW_LISTENER.
        if (name == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr) < 0 && errno == EFAULT)
            list.push_back(std::string(name));
    }
    return list;
}

}  // namespace

std::string features_json() {
    ojson linux = {
        {"namespaces", string_list(namespace_types())},
        {"capabilities", string_list(capability_names())},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", true}}},
        {"seccomp",
         {
             {"enabled", true},
             {"actions", string_list(seccomp_action_names())},
             {"operators", string_list(seccomp_operator_names())},
             {"archs", string_list(seccomp_arch_names())},
             {"knownFlags", string_list(seccomp_flag_names())},
             {"supportedFlags", supported_seccomp_flags()},
         }},
        {"apparmor", {{"enabled", true}}},
        {"selinux", {{"enabled", true}}},
        // Parsed and validated, but nothing writes to resctrl yet.
        {"intelRdt", {{"enabled", false}, {"schemata", false}}},
        {"memoryPolicy",
         {{"modes", string_list(mempolicy_mode_names())}, {"flags", string_list(mempolicy_flag_names())}}},
        {"mountExtensions", {{"idmap", {{"enabled", true}}}}},
        {"netDevices", {{"enabled", true}}},
    };

    ojson doc = {
        {"ociVersionMin", "1.0.0"},
        {"ociVersionMax", kSpecVersion},
        {"hooks", string_list(hook_names())},
        {"mountOptions", string_list(mount_option_names())},
        {"linux", std::move(linux)},
        {"annotations", {{"io.github.brig.version", BRIG_VERSION}}},
    };
    return doc.dump(4);
}

}  // namespace brig::oci
