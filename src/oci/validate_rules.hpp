// The checks the validator's files share, and the parts of the model each file checks.
// Each throws SpecError (spec_error.hpp) naming the JSON path at fault.
#pragma once

#include <string_view>
#include <vector>

#include "oci/spec.hpp"

namespace brig::oci::detail {

// Non-empty and absolute.
void check_absolute(std::string_view path, std::string_view value);
// A path inside the container root that the runtime creates things at (mount points,
// device nodes): absolute and without ".." components. Resolution is confined to the root
// anyway (openat2 RESOLVE_IN_ROOT); a path that climbs is refused so the mistake is seen.
void check_in_root(std::string_view path, std::string_view value);
void check_mappings(const std::vector<IdMapping>& mappings, std::string_view path);

// Linux cpu/node list syntax: "0-3,7,9-10".
bool is_id_list(std::string_view s);
// dev_valid_name() in the kernel: 1..15 bytes, not "."/"..", no '/', ':' or whitespace.
bool is_valid_ifname(std::string_view name);

void check_linux(const Linux& lx);              // validate_linux.cpp
void check_resources(const Resources& r);       // validate_resources.cpp
void check_seccomp(const Seccomp& s);           // validate_seccomp.cpp

}  // namespace brig::oci::detail
