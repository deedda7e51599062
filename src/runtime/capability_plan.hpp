// The five capability sets the init applies, planned from the spec without touching the
// process: pure, so it is unit-tested without root. The names were resolved to bits once, at
// parse time (oci::Capabilities::masks); here only the running kernel's limits apply.
#pragma once

#include <optional>

#include "linux/caps.hpp"
#include "oci/spec.hpp"

namespace brig::runtime {

// `spec_caps` (process.capabilities; nullopt: none at all) for a kernel whose highest
// capability is `last_cap`: bits the kernel does not know are dropped, and the ambient set
// keeps only capabilities that are both permitted and inheritable (the kernel refuses the
// others; runc leaves them out rather than failing the start).
caps::Sets plan_capabilities(const std::optional<oci::Capabilities>& spec_caps, int last_cap);

}  // namespace brig::runtime
