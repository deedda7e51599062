// Which of linux.namespaces the container makes and which it joins, and who does each:
// the runtime (clone3's flags; setns into pid and time namespaces, which apply to its
// children) or the init (setns into the others; unshare for those it must make itself
// once it has joined a user namespace, so that they belong to it). Pure: no namespace file
// is opened here, so the plan is unit-tested without root (tests/unit/runtime_namespace_plan_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

// A namespace to join: linux.namespaces[index], of type nstype (CLONE_NEW*), at path.
struct NamespaceRef {
    std::size_t index = 0;
    int nstype = 0;
    std::string path;
    bool operator==(const NamespaceRef&) const = default;
};

struct NamespacePlan {
    uint64_t clone_flags = 0;  // the namespaces the init is born in
    int unshare_flags = 0;     // those the init makes itself, after joining a user namespace
    bool new_user = false, new_cgroup = false, new_time = false, new_net = false;
    bool own_pid = false;       // a pid namespace of the container's own (its init's death ends it)
    bool fork_for_pid = false;  // unshare_flags has CLONE_NEWPID: the init proper is a grandchild
    std::vector<NamespaceRef> joins;                  // joined by the init, a user namespace first
    std::optional<NamespaceRef> join_pid, join_time;  // joined by the runtime before clone

    // The init joins a user namespace (first, before anything else).
    bool joins_user() const;
};

// Errors name the entry: "linux.namespaces[3].type: unknown namespace type \"foo\"".
Result<NamespacePlan> plan_namespaces(const oci::Linux& l);

}  // namespace brig::runtime
