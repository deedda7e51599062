// Capabilities through the raw capset/prctl interface (no libcap needed).
#pragma once

#include <cstdint>
#include <vector>

#include "common/error.hpp"

namespace brig::caps {

struct Sets {
    uint64_t effective = 0, permitted = 0, inheritable = 0, bounding = 0, ambient = 0;
};

// The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap).
int last_cap();

// Drop every capability not in `bounding` from the bounding set (needs CAP_SETPCAP).
Result<void> drop_bounding(uint64_t bounding);
// Set effective, permitted and inheritable sets with capset(2).
Result<void> set(uint64_t effective, uint64_t permitted, uint64_t inheritable);
// Clear the ambient set and raise exactly `ambient` (each must be permitted and inheritable).
Result<void> set_ambient(uint64_t ambient);

}  // namespace brig::caps
