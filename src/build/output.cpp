#include "build/output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "build/context/copy.hpp"
#include "build/context/sources.hpp"
#include "build/layer_tar.hpp"
#include "build/workspace.hpp"
#include "common/fd.hpp"
#include "common/strings.hpp"
#include "image/fsutil.hpp"

namespace brig::build {

Result<Output> parse_output(const std::string& s) {
    Output o;
    if (s.find('=') == std::string::npos) {
        if (s.empty()) return fail("--output: empty");
        return Output{s == "-" ? "tar" : "local", s};
    }
    for (auto& part : split(s, ',')) {
        auto eq = part.find('=');
        std::string k = part.substr(0, eq), v = eq == std::string::npos ? "" : part.substr(eq + 1);
        if (k == "type") o.type = v;
        else if (k == "dest") o.dest = v;
        else return fail("--output {:?}: unknown field {:?} (type=local|tar,dest=...)", s, k);
    }
    if (o.type != "local" && o.type != "tar") return fail("--output {:?}: type must be local or tar", s);
    if (o.dest.empty()) return fail("--output {:?}: dest= is required", s);
    if (o.type == "local" && o.dest == "-") return fail("--output {:?}: a local output needs a directory", s);
    return o;
}

Result<void> export_tree_tar(const std::string& root, int fd) {
    auto r = write_layer_tar(root, fd);
    if (!r) return std::unexpected(r.error());
    return {};
}

Result<void> export_layers(const image::Store& store, const std::vector<image::LayerRecord>& layers, const Output& out) {
    auto ws = Workspace::open(store, layers);
    if (!ws) return std::unexpected(ws.error());
    if (out.type == "tar") {
        if (out.dest == "-") return export_tree_tar(ws->rootfs(), STDOUT_FILENO);
        UniqueFd fd(::open(out.dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd) return sys_fail("--output: create {}", out.dest);
        return export_tree_tar(ws->rootfs(), fd.get());
    }
    if (auto r = image::fsutil::mkdirs(out.dest, 0755); !r) return r;
    auto src = context::SourceRoot::open(ws->rootfs(), nullptr, false);
    if (!src) return std::unexpected(src.error());
    auto all = context::resolve_sources(*src, {"."});
    if (!all) return std::unexpected(all.error());
    auto r = context::copy_sources(*src, *all, out.dest, "/");
    if (!r) return std::unexpected(std::move(r.error()).context("--output " + out.dest));
    return {};
}

}  // namespace brig::build
