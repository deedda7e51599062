// POST /build's query as build::BuildOptions' fields (the docker CLI's classic builder and the
// SDKs send it): t, dockerfile, target, q, nocache, pull, buildargs and labels (JSON objects),
// networkmode, cgroupparent. The parameters brig's builder does not honour (remote contexts,
// resource limits for RUN, squash, extra hosts, outputs, BuildKit's version=2) are refused with
// their name when set, rather than ignored; docker's zero values ("0", "", "null", "[]") are
// not set. Pure: unit-tested without root.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/http_types.hpp"

namespace brig::api {

struct BuildRequest {
    std::string dockerfile;  // a path inside the context, "" for Dockerfile else Containerfile
    std::vector<std::string> tags;           // normalized references
    std::vector<std::string> shown_tags;     // as given, for "Successfully tagged"
    std::string target;
    bool quiet = false, no_cache = false;
    std::string pull = "missing";  // missing | always
    std::vector<std::pair<std::string, std::string>> build_args;
    std::map<std::string, std::string> labels;
    std::string network;        // "" (the builder's default) | none | host
    std::string cgroup_parent;  // "" for the builder's default
    std::optional<int64_t> source_date_epoch;
    std::vector<std::string> warnings;  // accepted but without effect (cachefrom)
};

// The request's query parsed; an error names the parameter at fault (answered 400).
Result<BuildRequest> parse_build_request(const Request& req);

}  // namespace brig::api
