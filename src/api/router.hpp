// Routes: method + path pattern -> handler. Patterns are segments with parameters: {id} takes
// one segment, {name*} one or more (image names hold slashes). A request path may start with
// a version prefix /v1.xx, which is stripped and kept in Request::api_version.
// An unknown path is 404, a known path with another method 405, a route registered as not
// implemented is 501 naming it; all with docker's {"message": ...} body.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_types.hpp"
#include "common/error.hpp"

namespace brig::api {

inline constexpr std::string_view kApiVersion = "1.43";
inline constexpr std::string_view kMinApiVersion = "1.24";

// A handler returns a response, or an engine error that errors.hpp maps to a status.
using Handler = std::function<Result<Response>(Request&)>;

// (major, minor) of "1.41"; nullopt when malformed.
std::optional<std::pair<int, int>> parse_api_version(std::string_view v);

// "/v1.41/containers/json" -> version "1.41", path "/containers/json"; no prefix: version "".
// A version outside kMinApiVersion..kApiVersion is an error (docker answers 400).
struct VersionedPath {
    std::string version, path;
};
Result<VersionedPath> split_version(std::string_view path);

class Router {
public:
    void add(std::string method, std::string_view pattern, Handler h);
    // Known to the Docker API, not yet to brig: 501 "not implemented: METHOD PATTERN".
    void unimplemented(std::string method, std::string_view pattern);

    struct Match {
        const Handler* handler = nullptr;  // nullptr: unimplemented
        std::string pattern;
        std::map<std::string, std::string> params;
    };
    // Pure matching. nullopt: no route. `method_mismatch` is set when the path is known.
    std::optional<Match> match(std::string_view method, std::string_view path, bool* method_mismatch = nullptr) const;

    // Sets req.path/api_version/params, runs the handler, maps its errors.
    Response dispatch(Request& req) const;

private:
    struct Route {
        std::string method, pattern;
        std::vector<std::string> segments;
        std::optional<Handler> handler;
    };
    std::vector<Route> routes_;
};

}  // namespace brig::api
