#include "build/fetch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "common/fd.hpp"
#include "image/digest.hpp"
#include "image/fsutil.hpp"
#include "image/registry/http.hpp"

namespace brig::build {

bool is_url(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

std::string url_file_name(std::string_view url) {
    auto scheme = url.find("://");
    std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("?#"));
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "download";
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    auto last = path.rfind('/');
    std::string name(last == std::string_view::npos ? path : path.substr(last + 1));
    return name.empty() || name == "." || name == ".." ? "download" : name;
}

Result<std::string> fetch_url(const std::string& url, const std::string& path, const std::string& checksum) {
    registry::HttpRequest req;
    req.url = url;
    auto body = registry::HttpBodySource::open(req, 0);
    if (!body) return std::unexpected(std::move(body.error()).context("ADD " + url));
    if ((*body)->status() < 200 || (*body)->status() >= 300)
        return fail("ADD {}: the server answered HTTP {}", url, (*body)->status());
    UniqueFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!out) return sys_fail("ADD {}: create {}", url, path);
    image::Sha256 hash;
    std::vector<std::byte> buf(256 * 1024);
    for (;;) {
        auto n = (*body)->read(buf);
        if (!n) return std::unexpected(std::move(n.error()).context("ADD " + url));
        if (*n == 0) break;
        hash.update(std::span<const std::byte>(buf.data(), *n));
        if (auto w = image::fsutil::write_all(out.get(), buf.data(), *n, path); !w) return std::unexpected(w.error());
    }
    std::string digest = hash.finish().str();
    if (!checksum.empty() && checksum != digest)
        return fail("ADD {}: checksum mismatch: expected {}, got {}", url, checksum, digest);
    return digest;
}

}  // namespace brig::build
