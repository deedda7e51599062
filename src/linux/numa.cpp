#include "linux/numa.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "linux/cpuset.hpp"

namespace brig::numa {

namespace {

constexpr unsigned kBitsPerWord = sizeof(unsigned long) * CHAR_BIT;

// The mode numbers oci/names resolves to (the installed <linux/mempolicy.h> may predate
// MPOL_WEIGHTED_INTERLEAVE, so we do not rely on its enum for the newest ones).
enum : int { kDefault = 0, kPreferred = 1, kLocal = 4 };

}  // namespace

Result<std::vector<unsigned long>> parse_node_mask(std::string_view nodes, unsigned long& maxnode) {
    maxnode = 0;
    auto list = cpuset::parse_index_list(nodes, kMaxNodes);
    if (!list) return wrap(std::move(list), "linux.memoryPolicy.nodes");
    std::vector<unsigned long> mask;
    for (unsigned n : *list) {
        if (n / kBitsPerWord >= mask.size()) mask.resize(n / kBitsPerWord + 1, 0);
        mask[n / kBitsPerWord] |= 1UL << (n % kBitsPerWord);
        maxnode = std::max<unsigned long>(maxnode, n + 2UL);  // bits 0..n, plus the off-by-one
    }
    return mask;
}

Result<void> apply_memory_policy(const oci::MemoryPolicy& policy) {
    const int mode = policy.mode_number;  // resolved by the parser (oci/resolve.cpp)
    unsigned long maxnode = 0;
    auto mask = parse_node_mask(policy.nodes, maxnode);
    if (!mask) return std::unexpected(std::move(mask.error()));

    // Checked here, as runc does, so the error says which rule was broken rather than
    // the kernel's bare EINVAL. MPOL_PREFERRED takes either (no nodes = local allocation).
    if ((mode == kDefault || mode == kLocal) && !mask->empty())
        return fail("linux.memoryPolicy.nodes: {} takes no nodes, got \"{}\"", policy.mode, policy.nodes);
    if (mode != kDefault && mode != kLocal && mode != kPreferred && mask->empty())
        return fail("linux.memoryPolicy.nodes: {} needs at least one node", policy.mode);

    const unsigned long* nodemask = mask->empty() ? nullptr : mask->data();
    if (::syscall(SYS_set_mempolicy, mode | policy.flag_bits, nodemask, maxnode) < 0)
        return sys_fail("linux.memoryPolicy: set_mempolicy {} on nodes \"{}\"", policy.mode, policy.nodes);
    return {};
}

}  // namespace brig::numa
