// ADD <url>: a remote file downloaded into the build's scratch directory (libcurl, through the
// registry client's streaming GET), hashed as it is written and checked against
// ADD --checksum when given. Git URLs are not supported.
#pragma once

#include <string>

#include "common/error.hpp"

namespace brig::build {

bool is_url(std::string_view source);

// The file name docker gives a URL's download: the last path element ("index.html" style), or
// "download" when the path has none.
std::string url_file_name(std::string_view url);

// Downloads `url` to `path` (mode 0600). `checksum` ("sha256:<hex>", or "") must match.
// Returns the content digest ("sha256:<hex>").
Result<std::string> fetch_url(const std::string& url, const std::string& path, const std::string& checksum);

}  // namespace brig::build
