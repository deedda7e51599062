// NUMA memory policy (runtime-spec linux.memoryPolicy) via set_mempolicy(2), called
// directly so brig needs no libnuma.
#pragma once

#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "oci/spec.hpp"

namespace brig::numa {

// Highest node number + 1 that we accept (the kernel's MAX_NUMNODES is at most 1 << 10).
inline constexpr unsigned kMaxNodes = 1024;

// A node list ("0-3,7") as the nodemask/maxnode pair set_mempolicy takes. maxnode follows
// the kernel's historical off-by-one (it reads maxnode - 1 bits), as libnuma does. An empty
// list gives an empty mask and maxnode 0. Errors name linux.memoryPolicy.nodes.
Result<std::vector<unsigned long>> parse_node_mask(std::string_view nodes, unsigned long& maxnode);

// Set the calling thread's memory policy; children and exec'd programs inherit it, so
// calling this in the container's init just before exec covers the container process.
// It applies the numbers the parser resolved (mode_number | flag_bits), not the names.
Result<void> apply_memory_policy(const oci::MemoryPolicy& policy);

}  // namespace brig::numa
