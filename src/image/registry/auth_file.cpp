#include "image/registry/auth_file.hpp"

#include "common/fd.hpp"
#include "common/scope.hpp"
#include "image/registry/challenge.hpp"
#include "image/registry/cred_helper.hpp"
#include "image/registry/endpoint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace brig::registry {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

// A key of "auths" as (registry, repository path or ""). Keys with a scheme are docker's
// legacy form ("https://index.docker.io/v1/"): only the host counts there.
std::optional<std::pair<std::string, std::string>> split_key(std::string_view key) {
    bool had_scheme = key.starts_with("https://") || key.starts_with("http://");
    std::string_view rest = key;
    if (had_scheme) rest.remove_prefix(rest.find("://") + 3);
    while (rest.ends_with('/')) rest.remove_suffix(1);
    std::string_view host = rest;
    std::string_view path;
    if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
        host = rest.substr(0, slash);
        path = had_scheme ? std::string_view() : rest.substr(slash + 1);
    }
    auto norm = normalize_registry(host);
    if (!norm) return std::nullopt;
    return std::pair{*norm, std::string(path)};
}

Result<Credentials> parse_entry(const nlohmann::json& entry, std::string_view key) {
    Credentials c;
    if (!entry.is_object()) return fail("entry \"{}\" is not an object", key);
    if (auto it = entry.find("auth"); it != entry.end() && it->is_string() && !it->get<std::string>().empty()) {
        auto decoded = base64_decode(it->get<std::string>());
        if (!decoded) return wrap(std::move(decoded), fmt::format("entry \"{}\": field auth", key));
        size_t colon = decoded->find(':');
        if (colon == std::string::npos) {
            return fail("entry \"{}\": field auth does not decode to USER:PASSWORD", key);
        }
        c.username = decoded->substr(0, colon);
        c.password = decoded->substr(colon + 1);
    } else {
        if (auto u = entry.find("username"); u != entry.end() && u->is_string()) c.username = *u;
        if (auto p = entry.find("password"); p != entry.end() && p->is_string()) c.password = *p;
    }
    if (auto t = entry.find("identitytoken"); t != entry.end() && t->is_string()) c.identity_token = *t;
    return c;
}

Result<nlohmann::json> read_json_file(const fs::path& path) {
    std::ifstream in(path);
    if (!in) return sys_fail("open {}", path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("{}: not a JSON object", path.string());
    return j;
}

}  // namespace

std::vector<fs::path> auth_file_search_path() {
    std::vector<fs::path> out;
    if (auto f = env("REGISTRY_AUTH_FILE"); !f.empty()) out.emplace_back(f);
    out.push_back(default_auth_file());
    if (auto cfg = env("DOCKER_CONFIG"); !cfg.empty()) {
        out.push_back(fs::path(cfg) / "config.json");
    } else if (auto home = env("HOME"); !home.empty()) {
        out.push_back(fs::path(home) / ".docker" / "config.json");
    }
    return out;
}

fs::path default_auth_file() {
    if (auto f = env("REGISTRY_AUTH_FILE"); !f.empty()) return f;
    if (auto xdg = env("XDG_RUNTIME_DIR"); !xdg.empty()) return fs::path(xdg) / "containers" / "auth.json";
    return fs::path("/run/containers") / std::to_string(::getuid()) / "auth.json";
}

Result<std::optional<Credentials>> lookup_credentials(const nlohmann::json& file, std::string_view registry,
                                                      std::string_view repository) {
    auto auths = file.find("auths");
    if (auths == file.end() || !auths->is_object()) return std::optional<Credentials>{};
    const nlohmann::json* best = nullptr;
    std::string best_key;
    size_t best_len = 0;
    for (auto it = auths->begin(); it != auths->end(); ++it) {
        auto key = split_key(it.key());
        if (!key || key->first != registry) continue;
        const std::string& path = key->second;
        if (!path.empty()) {
            // Repository-scoped: "ns" matches "ns/repo" and "ns" but not "nsx/repo".
            bool match = repository == path ||
                         (repository.size() > path.size() && repository.starts_with(path) &&
                          repository[path.size()] == '/');
            if (!match) continue;
        }
        size_t len = path.empty() ? 0 : path.size() + 1;
        if (best == nullptr || len > best_len) {
            best = &it.value();
            best_key = it.key();
            best_len = len;
        }
    }
    if (best == nullptr) return std::optional<Credentials>{};
    auto c = parse_entry(*best, best_key);
    if (!c) return std::unexpected(std::move(c.error()));
    return std::optional<Credentials>(std::move(*c));
}

Result<std::optional<Credentials>> find_credentials(std::string_view registry, std::string_view repository,
                                                    const fs::path& auth_file) {
    std::vector<fs::path> files = auth_file.empty() ? auth_file_search_path() : std::vector<fs::path>{auth_file};
    for (const auto& f : files) {
        std::error_code ec;
        if (!fs::exists(f, ec)) continue;
        auto j = read_json_file(f);
        if (!j) return wrap(std::move(j), "read credentials");
        // A credential helper the file names for the registry is asked first, as docker does.
        if (auto helper = credential_helper_for(*j, registry); !helper.empty()) {
            auto h = helper_get(helper, registry);
            if (!h) return wrap(std::move(h), fmt::format("read credentials for {} ({})", registry, f.string()));
            if (*h) return h;
        }
        auto c = lookup_credentials(*j, registry, repository);
        if (!c) return wrap(std::move(c), fmt::format("read credentials from {}", f.string()));
        if (*c) return c;
    }
    return std::optional<Credentials>{};
}

namespace {

Result<void> write_file_atomic(const fs::path& file, const std::string& text) {
    fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) return errno_fail(ec.value(), "create directory {}", dir.string());
        ::chmod(dir.c_str(), 0700);
    }
    std::string tmp = (dir / fmt::format(".{}.tmp-XXXXXX", file.filename().string())).string();
    UniqueFd fd(::mkstemp(tmp.data()));
    if (!fd) return sys_fail("create temporary file in {}", dir.string());
    ScopeGuard remove_tmp([&tmp] { ::unlink(tmp.c_str()); });
    if (::fchmod(fd.get(), 0600) != 0) return sys_fail("chmod {}", tmp);
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("write {}", tmp);
        }
        off += size_t(n);
    }
    if (::fsync(fd.get()) != 0) return sys_fail("fsync {}", tmp);
    if (::rename(tmp.c_str(), file.c_str()) != 0) return sys_fail("rename {} to {}", tmp, file.string());
    remove_tmp.dismiss();
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd) ::fsync(dfd.get());
    return {};
}

Result<nlohmann::json> read_or_empty(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return nlohmann::json::object();
    return read_json_file(file);
}

// Keys in the file that name `registry` (either spelling docker uses for Docker Hub).
std::vector<std::string> keys_for(const nlohmann::json& auths, std::string_view registry) {
    std::vector<std::string> keys;
    for (auto it = auths.begin(); it != auths.end(); ++it) {
        auto key = split_key(it.key());
        if (key && key->first == registry && key->second.empty()) keys.push_back(it.key());
    }
    return keys;
}

}  // namespace

Result<void> save_credentials(const fs::path& file, std::string_view registry, const Credentials& creds) {
    auto j = read_or_empty(file);
    if (!j) return wrap(std::move(j), "save credentials");
    auto& auths = (*j)["auths"];
    if (!auths.is_object()) auths = nlohmann::json::object();
    bool had_entry = !keys_for(auths, registry).empty();
    for (const auto& k : keys_for(auths, registry)) auths.erase(k);
    if (auto helper = credential_helper_for(*j, registry); !helper.empty()) {
        // The helper keeps the secret; a plain entry left from before would shadow nothing but
        // still hold an old password, so it goes.
        if (auto h = helper_store(helper, registry, creds); !h) return wrap(std::move(h), "save credentials");
        if (!had_entry) return {};
        if (auto w = write_file_atomic(file, j->dump(1, '\t') + "\n"); !w) return wrap(std::move(w), "save credentials");
        return {};
    }
    nlohmann::json entry = {{"auth", base64_encode(creds.username + ":" + creds.password)}};
    if (!creds.identity_token.empty()) entry["identitytoken"] = creds.identity_token;
    auths[std::string(registry)] = std::move(entry);
    if (auto w = write_file_atomic(file, j->dump(1, '\t') + "\n"); !w) return wrap(std::move(w), "save credentials");
    return {};
}

Result<bool> remove_credentials(const fs::path& file, std::string_view registry) {
    auto j = read_or_empty(file);
    if (!j) return wrap(std::move(j), "remove credentials");
    bool erased = false;
    if (auto helper = credential_helper_for(*j, registry); !helper.empty()) {
        auto h = helper_erase(helper, registry);
        if (!h) return wrap(std::move(h), "remove credentials");
        erased = *h;
    }
    auto auths = j->find("auths");
    if (auths == j->end() || !auths->is_object()) return erased;
    auto keys = keys_for(*auths, registry);
    if (keys.empty()) return erased;
    for (const auto& k : keys) auths->erase(k);
    if (auto w = write_file_atomic(file, j->dump(1, '\t') + "\n"); !w) return wrap(std::move(w), "remove credentials");
    return true;
}

}  // namespace brig::registry
