#include "linux/lsm.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/fd.hpp"
#include "linux/fs.hpp"

namespace brig::lsm {
namespace {

// /proc/thread-self/attr/<lsm>/exec (per-LSM files, Linux 5.1+), else the shared attr/exec.
Result<void> write_attr(std::string_view lsm, std::string_view value, std::string_view what) {
    std::string path = fmt::format("/proc/thread-self/attr/{}/exec", lsm);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd && errno == ENOENT) fd.reset(::open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_fail("{}: open {}", what, path);
    struct statfs sfs;
    if (::fstatfs(fd.get(), &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) return fail("{}: {} is not on procfs", what, path);
    if (::write(fd.get(), value.data(), value.size()) < 0) return sys_fail("{}: set {:?}", what, value);
    return {};
}

}  // namespace

bool apparmor_enabled() {
    auto v = linuxfs::read_file("/sys/module/apparmor/parameters/enabled");
    return v && v->starts_with("Y");
}

bool selinux_enabled() { return linuxfs::exists("/sys/fs/selinux/enforce"); }

std::string mount_data_with_label(std::string_view data, std::string_view label, bool selinux) {
    std::string out(data);
    if (!selinux || label.empty()) return out;
    if (!out.empty()) out += ',';
    out += "context=\"";
    out += label;
    out += '"';
    return out;
}

Result<void> set_apparmor_exec(std::string_view profile) {
    return write_attr("apparmor", fmt::format("exec {}", profile), "process.apparmorProfile");
}

Result<void> set_selinux_exec(std::string_view label) {
    return write_attr("selinux", label, "process.selinuxLabel");
}

}  // namespace brig::lsm
