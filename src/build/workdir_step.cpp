#include "build/workdir_step.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "build/context/rootpath.hpp"
#include "engine/spec.hpp"

namespace brig::build {

Result<void> make_workdir(const std::string& rootfs, const std::string& path, const std::string& user) {
    auto owner = engine::resolve_user(rootfs, user);
    if (!owner) return std::unexpected(std::move(owner.error()).context("WORKDIR " + path + " (USER " + user + ")"));
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sys_fail("open {}", rootfs);
    context::ResolveOptions o;
    o.create_parents = true;
    o.make_last_dir = true;
    o.dir_mode = 0755;
    o.uid = owner->uid;
    o.gid = owner->gid;
    auto d = context::resolve_in_root(root.get(), path, o);
    if (!d) return std::unexpected(std::move(d.error()).context("WORKDIR " + path));
    if (d->exists && !S_ISDIR(d->st.st_mode)) return fail("WORKDIR {}: /{} is not a directory", path, d->rel);
    return {};
}

}  // namespace brig::build
