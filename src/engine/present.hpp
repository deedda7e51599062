// How containers are shown: docker-compatible `inspect` JSON, `ps` rows, Go-template-like
// --format strings ({{.Field}}, {{.A.B}}, {{json .}}, "table ..."), and human durations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"

namespace brig::engine {

nlohmann::ordered_json inspect_json(const Engine& e, const ContainerRecord& rec, const LiveState& live);
// One `ps` row with docker's field names (ID, Image, Command, CreatedAt, RunningFor, Status, State, Names, ...).
nlohmann::ordered_json ps_row(const ContainerRecord& rec, const LiveState& live, bool no_trunc);
// "Up 5 seconds (healthy)", "Exited (0) 3 minutes ago", "Created", "Up 2 hours (Paused)".
std::string status_text(const LiveState& live);

// Renders a --format template against `data`. Unknown fields render as "<no value>".
std::string render_template(std::string_view tmpl, const nlohmann::ordered_json& data);
// "table {{.ID}}\t{{.Names}}" -> the header line ("CONTAINER ID\tNAMES"); tmpl without "table" -> "".
std::string template_header(std::string_view tmpl);
std::string human_duration(int64_t seconds);
// Seconds since an RFC 3339 time (0 if unparsable).
int64_t seconds_since(const std::string& rfc3339);

}  // namespace brig::engine
