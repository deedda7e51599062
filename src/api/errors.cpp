#include "api/errors.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace brig::api {

namespace {

bool contains_ci(std::string_view hay, std::string_view needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
    return it != hay.end();
}

}  // namespace

int status_for(const Error& e) {
    std::string_view m = e.message;
    static constexpr std::array not_found = {"No such container", "No such image", "No such object", "No such volume",
                                             "No such network", "No such exec", "not found"};
    for (auto s : not_found)
        if (contains_ci(m, s)) return 404;
    static constexpr std::array forbidden = {"is a predefined network", "default network cannot be removed"};
    for (auto s : forbidden)
        if (contains_ci(m, s)) return 403;
    static constexpr std::array conflict = {"already in use", "Conflict.", "cannot remove container", "is not running",
                                            "is already running", "is not paused", "is paused", "cannot attach to a stopped",
                                            "volume is in use", "has active endpoints", "in use by container",
                                            "with that name exists", "already connected", "is not connected"};
    for (auto s : conflict)
        if (contains_ci(m, s)) return 409;
    static constexpr std::array bad = {"invalid", "conflicting options", "must be", "no image given", "unknown",
                                       "no command specified", "requires", "bad format", "overlap",
                                       "not a usable address", "matches no subnet", "needs a --subnet"};
    for (auto s : bad)
        if (contains_ci(m, s)) return 400;
    return 500;
}

Response error_from(const Error& e) { return error_response(status_for(e), e.what()); }

}  // namespace brig::api
