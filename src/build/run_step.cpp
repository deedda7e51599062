#include "build/run_step.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/fd.hpp"
#include "common/scope.hpp"
#include "engine/spec.hpp"
#include "image/fsutil.hpp"
#include "linux/fs.hpp"
#include "linux/spawn.hpp"
#include "oci/write.hpp"

namespace brig::build {
namespace {

engine::ContainerRecord record_for(const std::string& id, const std::string& rootfs, const RunStep& s) {
    engine::ContainerRecord rec;
    rec.id = id;
    rec.name = id;
    rec.image = "build";
    rec.rootfs = rootfs;
    rec.cmd = s.argv;
    rec.env = s.env;
    rec.user = s.user;
    rec.workdir = s.workdir;
    rec.hostname = "buildkitsandbox";
    rec.host.network_mode = s.network == "none" ? "none" : "host";
    rec.host.cgroup_parent = s.cgroup_parent;
    rec.mounts = s.mounts;
    return rec;
}

// The paths the runtime mounts over that the image lacks (the topmost missing part of each
// destination): they are created for the run and must not end up in the layer.
std::vector<std::string> missing_mount_points(const std::string& rootfs, const oci::Spec& spec) {
    std::vector<std::string> out;
    for (auto& m : spec.mounts) {
        std::string top;
        std::string p = m.destination;
        struct stat st {};
        while (p.size() > 1 && ::lstat((rootfs + p).c_str(), &st) < 0) {
            top = p;
            p = p.substr(0, std::max<size_t>(p.rfind('/'), 1));
        }
        if (!top.empty() && std::find(out.begin(), out.end(), top) == out.end()) out.push_back(top);
    }
    return out;
}

// Removes a stub the runtime made: empty directories and empty files only, so anything the
// command wrote there stays.
void remove_stub(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return;
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        ::unlink(path.c_str());
        return;
    }
    if (!S_ISDIR(st.st_mode)) return;
    if (DIR* d = ::opendir(path.c_str())) {
        std::vector<std::string> names;
        while (auto* de = ::readdir(d))
            if (std::string_view n = de->d_name; n != "." && n != "..") names.emplace_back(n);
        ::closedir(d);
        for (auto& n : names) remove_stub(path + "/" + n);
    }
    ::rmdir(path.c_str());
}

}  // namespace

Result<int> run_step(const engine::Engine& e, const std::string& id, const std::string& rootfs, const RunStep& step) {
    auto rec = record_for(id, rootfs, step);
    if (!step.workdir.empty()) {
        UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root) return sys_fail("open {}", rootfs);
        if (auto d = linuxfs::mkdir_all_in_root(root.get(), step.workdir); !d)
            return std::unexpected(std::move(d.error()).context("WORKDIR " + step.workdir));
    }
    engine::SpecInputs in;
    if (rec.host.network_mode == "host") in.resolv_conf = "/etc/resolv.conf";
    auto spec = engine::build_spec(rec, in);
    if (!spec) return std::unexpected(std::move(spec.error()));
    spec->process->terminal = false;
    auto stubs = missing_mount_points(rootfs, *spec);

    std::string bundle = e.store.root() + "/build/" + id;
    if (auto r = image::fsutil::mkdirs(bundle, 0700); !r) return std::unexpected(r.error());
    ScopeGuard rm_bundle([&] { (void)linuxfs::remove_all(bundle); });
    if (auto r = linuxfs::write_file_atomic(bundle + "/config.json", oci::to_string(*spec), 0600, false); !r)
        return std::unexpected(r.error());

    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_fail("pipe");
    UniqueFd rd(p[0]);
    UniqueFd wr(p[1]);
    spawn::Options o;
    o.argv = {e.runtime, "--root", e.store.runtime_root(), "run", "--bundle", bundle, id};
    o.out = wr.get();
    o.err = wr.get();
    o.default_signal_actions = true;
    auto pid = spawn::spawn(o);
    if (!pid) return std::unexpected(std::move(pid.error()));
    wr.reset();
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (step.output) step.output(std::string_view(buf, static_cast<size_t>(n)));
    }
    auto code = spawn::wait_exit(*pid);
    // A runtime killed mid-run leaves its state: delete is a no-op otherwise.
    spawn::Options del;
    del.argv = {e.runtime, "--root", e.store.runtime_root(), "delete", "--force", id};
    (void)spawn::run(del);
    for (auto& s : stubs) remove_stub(rootfs + s);
    return code;
}

}  // namespace brig::build
