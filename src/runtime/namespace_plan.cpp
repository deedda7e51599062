#include "runtime/namespace_plan.hpp"

#include <sched.h>

#include "oci/names.hpp"

namespace brig::runtime {

bool NamespacePlan::joins_user() const { return !joins.empty() && joins.front().nstype == CLONE_NEWUSER; }

Result<NamespacePlan> plan_namespaces(const oci::Linux& l) {
    NamespacePlan p;
    bool new_pid = false;
    for (std::size_t i = 0; i < l.namespaces.size(); ++i) {
        const auto& ns = l.namespaces[i];
        auto flag = oci::namespace_clone_flag(ns.type);
        if (!flag) return fail("linux.namespaces[{}].type: unknown namespace type {:?}", i, ns.type);
        if (ns.path.empty()) {
            // cgroup and time namespaces are made by the init, at the point where they must begin.
            if (*flag == CLONE_NEWUSER) p.new_user = true;
            else if (*flag == CLONE_NEWCGROUP) p.new_cgroup = true;
            else if (*flag == CLONE_NEWTIME) p.new_time = true;
            else if (*flag == CLONE_NEWPID) new_pid = p.own_pid = true;
            else p.unshare_flags |= *flag;
            if (*flag == CLONE_NEWNET) p.new_net = true;
            continue;
        }
        NamespaceRef ref{i, *flag, ns.path};
        if (*flag == CLONE_NEWPID) {
            p.join_pid = std::move(ref);
            p.own_pid = false;
        } else if (*flag == CLONE_NEWTIME) {
            p.join_time = std::move(ref);
        } else if (*flag == CLONE_NEWUSER) {
            p.joins.insert(p.joins.begin(), std::move(ref));
        } else {
            p.joins.push_back(std::move(ref));
        }
    }
    if (p.joins_user()) {
        // The new namespaces must be made by the init after its setns, so that they belong
        // to the joined user namespace; a new pid namespace then needs one more fork.
        if (new_pid) {
            p.unshare_flags |= CLONE_NEWPID;
            p.fork_for_pid = true;
        }
    } else {
        p.clone_flags = static_cast<uint64_t>(p.unshare_flags) | (p.new_user ? CLONE_NEWUSER : 0) |
                        (new_pid ? CLONE_NEWPID : 0);
        p.unshare_flags = 0;
    }
    return p;
}

}  // namespace brig::runtime
