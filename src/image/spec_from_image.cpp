#include "image/spec_from_image.hpp"

#include <fcntl.h>

#include <algorithm>
#include <charconv>

#include "linux/fs.hpp"
#include "oci/spec.hpp"

namespace brig::image {

using nlohmann::json;

namespace {

constexpr std::string_view kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::optional<uint32_t> as_number(std::string_view s) {
    uint32_t v = 0;
    if (s.empty()) return std::nullopt;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= s.size()) {
        size_t j = s.find(sep, i);
        if (j == std::string_view::npos) j = s.size();
        out.emplace_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

// /etc/passwd or /etc/group of the rootfs, read through openat2(RESOLVE_IN_ROOT): an image's
// symlinked /etc/passwd cannot make us read the host's.
std::string read_in_root(const std::string& rootfs, const char* path) {
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return {};
    auto fd = linuxfs::open_in_root(root.get(), path, O_RDONLY);
    if (!fd) return {};
    std::string out;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd->get(), buf, sizeof buf)) > 0 && out.size() < (4u << 20)) out.append(buf, static_cast<size_t>(n));
    return out;
}

void set_env(std::vector<std::string>& env, const std::string& kv) {
    auto key = kv.substr(0, kv.find('='));
    auto it = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    if (it != env.end()) *it = kv;
    else env.push_back(kv);
}

}  // namespace

Result<ResolvedImageUser> resolve_image_user(const std::string& rootfs, const std::string& user) {
    ResolvedImageUser out;
    out.home = "/";
    if (user.empty()) {
        // root: home from passwd if listed
        for (auto& line : split(read_in_root(rootfs, "/etc/passwd"), '\n')) {
            auto f = split(line, ':');
            if (f.size() >= 7 && f[2] == "0") {
                out.home = f[5];
                break;
            }
        }
        return out;
    }
    auto colon = user.find(':');
    std::string u = user.substr(0, colon);
    std::optional<std::string> g;
    if (colon != std::string::npos) g = user.substr(colon + 1);
    std::string passwd = read_in_root(rootfs, "/etc/passwd");
    std::string group = read_in_root(rootfs, "/etc/group");
    std::string username;
    bool found = false;
    for (auto& line : split(passwd, '\n')) {
        auto f = split(line, ':');
        if (f.size() < 7) continue;
        auto uid = as_number(f[2]);
        auto gid = as_number(f[3]);
        if (!uid || !gid) continue;
        if (f[0] == u || (as_number(u) && *as_number(u) == *uid)) {
            out.uid = *uid;
            out.gid = *gid;
            out.home = f[5];
            username = f[0];
            found = true;
            break;
        }
    }
    if (!found) {
        auto n = as_number(u);
        if (!n) return fail("unable to find user {}: no matching entries in passwd file", u);
        out.uid = *n;
        out.gid = 0;
    }
    if (g) {
        auto n = as_number(*g);
        if (n) {
            out.gid = *n;
        } else {
            bool gfound = false;
            for (auto& line : split(group, '\n')) {
                auto f = split(line, ':');
                if (f.size() >= 3 && f[0] == *g) {
                    auto gid = as_number(f[2]);
                    if (gid) {
                        out.gid = *gid;
                        gfound = true;
                        break;
                    }
                }
            }
            if (!gfound) return fail("unable to find group {}: no matching entries in group file", *g);
        }
    }
    // Additional groups: every group listing the user by name (as docker, only with a name).
    if (!username.empty()) {
        for (auto& line : split(group, '\n')) {
            auto f = split(line, ':');
            if (f.size() < 4) continue;
            auto gid = as_number(f[2]);
            if (!gid || *gid == out.gid) continue;
            for (auto& m : split(f[3], ','))
                if (m == username && std::find(out.additional_gids.begin(), out.additional_gids.end(), *gid) == out.additional_gids.end())
                    out.additional_gids.push_back(*gid);
        }
    }
    return out;
}

ImageRuntimeInfo runtime_info(const ImageConfig& c) { return {c.exposed_ports, c.volumes, c.stop_signal, c.labels}; }

Result<std::vector<std::string>> process_args(const ImageConfig& c, const RunOverrides& o) {
    std::vector<std::string> args;
    if (o.entrypoint) {
        args = *o.entrypoint;
        args.insert(args.end(), o.cmd.begin(), o.cmd.end());
    } else {
        if (c.entrypoint) args = *c.entrypoint;
        if (!o.cmd.empty()) args.insert(args.end(), o.cmd.begin(), o.cmd.end());
        else if (c.cmd) args.insert(args.end(), c.cmd->begin(), c.cmd->end());
    }
    if (args.empty()) return fail("no command specified: the image has neither Entrypoint nor Cmd, and none was given");
    return args;
}

Result<json> spec_from_image(const ImageConfig& c, const std::string& rootfs, const RunOverrides& o) {
    json spec = json::parse(oci::default_spec_json(false, 0, 0));
    auto args = process_args(c, o);
    if (!args) return std::unexpected(std::move(args.error()));
    auto user = resolve_image_user(rootfs, o.user ? *o.user : c.user);
    if (!user) return std::unexpected(std::move(user.error()));

    std::vector<std::string> env = {std::string(kDefaultPath)};
    for (auto& e : c.env) set_env(env, e);
    for (auto& e : o.env) set_env(env, e.find('=') == std::string::npos ? e + "=" : e);
    if (std::none_of(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("HOME="); }))
        env.push_back(fmt::format("HOME={}", user->home));
    if (o.tty && std::none_of(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("TERM="); }))
        env.push_back("TERM=xterm");

    json& p = spec["process"];
    p["terminal"] = o.tty;
    p["args"] = *args;
    p["env"] = env;
    std::string cwd = o.workdir ? *o.workdir : c.working_dir.empty() ? std::string("/") : c.working_dir;
    if (!cwd.starts_with("/")) return fail("the working directory '{}' is invalid: it needs to be an absolute path", cwd);
    p["cwd"] = cwd;
    p["user"] = {{"uid", user->uid}, {"gid", user->gid}};
    if (!user->additional_gids.empty()) p["user"]["additionalGids"] = user->additional_gids;
    spec["root"] = {{"path", rootfs}, {"readonly", false}};
    if (!o.hostname.empty()) spec["hostname"] = o.hostname;
    json ann = json::object();
    if (!c.stop_signal.empty()) ann["org.opencontainers.image.stopSignal"] = c.stop_signal;
    if (!c.exposed_ports.empty()) ann["io.brig.image.exposedPorts"] = json(c.exposed_ports).dump();
    if (!c.volumes.empty()) ann["io.brig.image.volumes"] = json(c.volumes).dump();
    if (!ann.empty()) spec["annotations"] = ann;
    return spec;
}

}  // namespace brig::image
