// docker's `filters` of GET /networks and GET /volumes, and of the three prunes (containers,
// networks, volumes). Each is checked once (an unknown key or a bad value is an error, answered
// 400) and then matched against many objects. Pure.
//
// As docker: the values of one key are alternatives, except label (and label!), whose values
// must all hold; different keys must all match.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/http_types.hpp"
#include "network/network.hpp"
#include "storage/volumes.hpp"

namespace brig::api {

using Labels = std::map<std::string, std::string>;

// label filter values "KEY" or "KEY=VALUE": true when every one holds for `labels`.
bool labels_match(const std::vector<std::string>& wanted, const Labels& labels);
Labels labels_of(const network::NetworkInfo& n);

// GET /networks: driver, id (prefix), name (substring), label, scope (local|swarm|global),
// type (custom|builtin) and dangling (true|false: no container attached, not predefined).
class NetworkFilter {
public:
    static Result<NetworkFilter> parse(const Filters& f);
    bool matches(const network::NetworkInfo& n) const;

private:
    Filters f_;
};

// GET /volumes: name (substring), driver, label and dangling (true|false: no container uses it).
class VolumeFilter {
public:
    static Result<VolumeFilter> parse(const Filters& f);
    // Whether matches() needs to know the volume's users (a dangling filter).
    bool needs_users() const { return f_.contains("dangling"); }
    bool matches(const storage::Volume& v, bool in_use) const;

private:
    Filters f_;
};

enum class PruneKind { Containers, Networks, Volumes };

// The prunes' filters: label=KEY[=VALUE] (all must hold) and label!=KEY[=VALUE] (docker's
// `label!` key: left out when all of them hold) for all three; until=TIMESTAMP|DURATION for
// containers and networks (created before it); all=true for volumes (named volumes too).
struct PruneFilter {
    std::vector<std::string> labels, not_labels;
    std::optional<int64_t> until_ns;
    bool all = false;

    static Result<PruneFilter> parse(const Filters& f, PruneKind kind);
    // `created`: RFC 3339 (unparsable: not pruned when an until is given).
    bool matches(const Labels& labels, const std::string& created) const;
};

// POST /volumes/prune: named volumes go too unless the client speaks API 1.42 or later (then
// only with all=true). `api_version` "" (no prefix) is the current version.
bool prune_all_volumes(const PruneFilter& f, const std::string& api_version);

}  // namespace brig::api
