// The steps of parse_spec and parse_process, in order. Each throws SpecError
// (spec_error.hpp) for the first problem it finds.
#pragma once

#include <string_view>

#include "oci/spec.hpp"

namespace brig::oci::detail {

// 1. JSON -> model: types and ranges only (read.cpp).
Spec read_spec(std::string_view json_text);
Process read_process(std::string_view json_text);
Seccomp read_seccomp(std::string_view json_text);  // a linux.seccomp object on its own

// 2. Names -> the numbers the runtime applies (resolve.cpp).
void resolve_spec(Spec& spec);
void resolve_process(Process& p, std::string_view base);

// 3. The rules a config must satisfy (validate.cpp, validate_linux.cpp, validate_seccomp.cpp).
void check_spec(const Spec& spec);
void check_process(const Process& p, std::string_view base);

}  // namespace brig::oci::detail
