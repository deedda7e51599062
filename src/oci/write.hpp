// Model -> runtime-spec JSON: the writer beside the parser (spec.hpp). It writes the
// runtime-spec's member names in its order and leaves out what the runtime-spec's own
// JSON would (absent optional fields; empty, false or zero ones marked omitempty), so
// parse_spec(to_string(spec)) gives back an equal Spec.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "oci/spec.hpp"

namespace brig::oci {

nlohmann::ordered_json to_json(const Spec& spec);
nlohmann::ordered_json to_json(const Process& process);  // a process.json (runc exec --process)

// As runc writes config.json: tab-indented, keys in the runtime-spec's order, no trailing newline.
std::string to_string(const Spec& spec);

}  // namespace brig::oci
