#include "linux/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "linux/fdpass.hpp"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace brig::seccomp {
namespace {

constexpr std::string_view kBase = "linux.seccomp";
constexpr unsigned int kMaxErrno = 4095;      // the kernel clamps SECCOMP_RET_ERRNO data to this
constexpr unsigned int kMaxRetData = 0xffff;  // SECCOMP_RET_DATA
constexpr std::size_t kOptimizeAbove = 32;    // runc: binary tree for longer rule sets

struct ActionInfo {
    std::string_view name;
    uint32_t action;
    bool takes_data;  // errnoRet goes into SECCOMP_RET_DATA
};

constexpr std::array kActions = {
    ActionInfo{"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    ActionInfo{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    ActionInfo{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    ActionInfo{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    ActionInfo{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    ActionInfo{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    ActionInfo{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    ActionInfo{"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    ActionInfo{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

struct ArchInfo {
    std::string_view name;
    uint32_t token;
};

constexpr std::array kArchs = {
    ArchInfo{"SCMP_ARCH_X86", SCMP_ARCH_X86},
    ArchInfo{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    ArchInfo{"SCMP_ARCH_X32", SCMP_ARCH_X32},
    ArchInfo{"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    ArchInfo{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    ArchInfo{"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    ArchInfo{"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    ArchInfo{"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    ArchInfo{"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    ArchInfo{"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    ArchInfo{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    ArchInfo{"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    ArchInfo{"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    ArchInfo{"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    ArchInfo{"SCMP_ARCH_S390", SCMP_ARCH_S390},
    ArchInfo{"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    ArchInfo{"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    ArchInfo{"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    ArchInfo{"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

struct OpInfo {
    std::string_view name;
    scmp_compare op;
};

constexpr std::array kOps = {
    OpInfo{"SCMP_CMP_NE", SCMP_CMP_NE}, OpInfo{"SCMP_CMP_LT", SCMP_CMP_LT},
    OpInfo{"SCMP_CMP_LE", SCMP_CMP_LE}, OpInfo{"SCMP_CMP_EQ", SCMP_CMP_EQ},
    OpInfo{"SCMP_CMP_GE", SCMP_CMP_GE}, OpInfo{"SCMP_CMP_GT", SCMP_CMP_GT},
    OpInfo{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

std::string quote(std::string_view s) { return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// The libseccomp action for a config action name and its optional errnoRet.
Result<uint32_t> resolve_action(std::string_view name, const std::optional<uint32_t>& ret,
                                const std::string& action_path, const std::string& ret_path) {
    const ActionInfo* info = nullptr;
    for (const auto& a : kActions)
        if (a.name == name) info = &a;
    if (name.empty()) return fail("{}: is required", action_path);
    if (!info) return fail("{}: unknown action {}", action_path, quote(name));
    if (!info->takes_data) {
        // runtime-spec: "When the action doesn't support an errno, the runtime MUST print an error and fail."
        if (ret) return fail("{}: is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {}", ret_path, name);
        return info->action;
    }
    uint32_t data = ret.value_or(EPERM);
    uint32_t limit = info->action == SCMP_ACT_ERRNO(0) ? kMaxErrno : kMaxRetData;
    if (data > limit) return fail("{}: {} is out of range for {} (at most {})", ret_path, data, name, limit);
    return info->action | data;
}

// seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL): EFAULT means the kernel accepted the flags
// and then failed to read the (absent) program; EINVAL means it does not know them.
// This is how libseccomp probes, and it installs nothing.
[[maybe_unused]] bool kernel_accepts_filter_flags(unsigned long flags) {
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, nullptr);
    return rc < 0 && errno == EFAULT;
}

// Run one of libseccomp's seccomp_export_*() into a memfd and return what it wrote.
Result<std::string> export_ctx(scmp_filter_ctx ctx, int (*exporter)(const scmp_filter_ctx, int), std::string_view what) {
    UniqueFd fd(::memfd_create("brig-seccomp", MFD_CLOEXEC));
    if (!fd) return sys_fail("{}: memfd_create", what);
    if (int rc = exporter(ctx, fd.get()); rc < 0) return errno_fail(-rc, "{}: libseccomp could not generate the filter", what);
    off_t size = ::lseek(fd.get(), 0, SEEK_END);
    if (size < 0 || ::lseek(fd.get(), 0, SEEK_SET) < 0) return sys_fail("{}: lseek", what);
    std::string out(static_cast<std::size_t>(size), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_fail("{}: read", what);
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

// runc's ENOSYS stub: a syscall newer than every one the profile names is one its author
// could not have decided about. Like runc, it gets ENOSYS (so libc falls back to an older
// call, as on an older kernel) instead of the default action. Prepended to libseccomp's
// program, one block per architecture of the filter:
//
//       ld  [arch]
//       jeq ARCH, 0, <next arch>
//       ld  [nr]
//       jge 0x40000000, <main>        x86_64 only: x32 numbers stay libseccomp's business
//       jgt MAX(ARCH), <enosys>
//       ja  <main>
//       ...                           (the next architecture)
//       ja  <main>                    none matched
//   enosys:  ret ERRNO(ENOSYS)
//   main:    libseccomp's program, which starts by loading [arch] itself
//
// Empty when the profile names no syscall known on any of its architectures, or when
// libseccomp's program does not start as expected (then nothing is changed).
std::vector<sock_filter> enosys_stub(scmp_filter_ctx ctx, const oci::Seccomp& s, const sock_filter& first) {
    constexpr uint32_t kX32Bit = 0x40000000;
    const sock_filter load_arch = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
    if (first.code != load_arch.code || first.k != load_arch.k) return {};
    struct Arch {
        uint32_t token;
        int max;
    };
    std::vector<Arch> arches;
    for (const auto& a : kArchs) {
        // x32 syscalls reach the filter as x86_64 ones (with kX32Bit set): no block of their own.
        if (a.token == SCMP_ARCH_X32 || seccomp_arch_exist(ctx, a.token) != 0) continue;
        int max = -1;
        for (const auto& sc : s.syscalls)
            for (const auto& name : sc.names)
                max = std::max(max, seccomp_syscall_resolve_name_arch(a.token, name.c_str()));
        if (max >= 0) arches.push_back({a.token, max});
    }
    if (arches.empty()) return {};

    std::vector<sock_filter> p{load_arch};
    std::vector<size_t> to_main, to_enosys;  // conditional jumps (jt) to patch
    std::vector<size_t> ja_main;
    for (const auto& a : arches) {
        bool x86_64 = a.token == SCMP_ARCH_X86_64;
        uint8_t block = x86_64 ? 4 : 3;  // instructions after the jeq
        p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a.token, 0, block));
        p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
        if (x86_64) {
            to_main.push_back(p.size());
            p.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 0));
        }
        to_enosys.push_back(p.size());
        p.push_back(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(a.max), 0, 0));
        ja_main.push_back(p.size());
        p.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
    }
    ja_main.push_back(p.size());
    p.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
    const size_t enosys = p.size();
    p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
    const size_t main = p.size();
    // Offsets are relative to the next instruction; the stub is far shorter than 255.
    for (size_t i : to_main) p[i].jt = static_cast<uint8_t>(main - i - 1);
    for (size_t i : to_enosys) p[i].jt = static_cast<uint8_t>(enosys - i - 1);
    for (size_t i : ja_main) p[i].k = static_cast<uint32_t>(main - i - 1);
    return p;
}

}  // namespace

SeccompFilter::SeccompFilter(SeccompFilter&& o) noexcept
    : ctx_(std::exchange(o.ctx_, nullptr)),
      program_(std::move(o.program_)),
      flags_(std::exchange(o.flags_, 0)),
      listener_(std::exchange(o.listener_, false)),
      skipped_(std::move(o.skipped_)) {}

SeccompFilter& SeccompFilter::operator=(SeccompFilter&& o) noexcept {
    if (this != &o) {
        if (ctx_) seccomp_release(ctx_);
        ctx_ = std::exchange(o.ctx_, nullptr);
        program_ = std::move(o.program_);
        flags_ = std::exchange(o.flags_, 0);
        listener_ = std::exchange(o.listener_, false);
        skipped_ = std::move(o.skipped_);
    }
    return *this;
}

SeccompFilter::~SeccompFilter() {
    if (ctx_) seccomp_release(ctx_);
}

Result<SeccompFilter> SeccompFilter::build(const oci::Seccomp& s) {
    const std::string base(kBase);

    // ---- default action ----
    auto def = resolve_action(s.defaultAction, s.defaultErrnoRet, base + ".defaultAction", base + ".defaultErrnoRet");
    if (!def) return std::unexpected(std::move(def.error()));
    // Every syscall would wait on the agent, including the runtime's own ones before execve.
    if (*def == SCMP_ACT_NOTIFY) return fail("{}.defaultAction: SCMP_ACT_NOTIFY cannot be the default action", base);

    SeccompFilter f;
    f.ctx_ = seccomp_init(*def);
    if (!f.ctx_)
        return fail("{}.defaultAction: libseccomp refused {} (not supported by this kernel?)", base, s.defaultAction);
    scmp_filter_ctx ctx = f.ctx_;

    // ---- architectures (the native one is already in a new filter) ----
    for (std::size_t i = 0; i < s.architectures.size(); ++i) {
        const auto& name = s.architectures[i];
        uint32_t token = 0;
        for (const auto& a : kArchs)
            if (a.name == name) token = a.token;
        if (!token) return fail("{}.architectures[{}]: unknown architecture {}", base, i, quote(name));
        int rc = seccomp_arch_add(ctx, token);
        if (rc < 0 && rc != -EEXIST)
            return errno_fail(-rc, "{}.architectures[{}]: add architecture {}", base, i, name);
    }

    // ---- flags ----
    unsigned long flags = 0;
    for (std::size_t i = 0; i < s.flags.size(); ++i) {
        const auto& name = s.flags[i];
        auto attr = [&](scmp_filter_attr a, unsigned long bit) -> Result<void> {
            if (int rc = seccomp_attr_set(ctx, a, 1); rc < 0)
                return errno_fail(-rc, "{}.flags[{}]: {} is not supported by this kernel or libseccomp", base, i, name);
            flags |= bit;
            return {};
        };
        Result<void> r;
        if (name == "SECCOMP_FILTER_FLAG_TSYNC") {
            r = attr(SCMP_FLTATR_CTL_TSYNC, SECCOMP_FILTER_FLAG_TSYNC);
        } else if (name == "SECCOMP_FILTER_FLAG_LOG") {
            r = attr(SCMP_FLTATR_CTL_LOG, SECCOMP_FILTER_FLAG_LOG);
        } else if (name == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
            r = attr(SCMP_FLTATR_CTL_SSB, SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        } else if (name == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") {
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
            r = attr(SCMP_FLTATR_CTL_WAITKILL, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
#else
            // libseccomp < 2.6 has no attribute for it; load() passes the flag to seccomp(2) itself.
            if (!kernel_accepts_filter_flags(SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
                return fail("{}.flags[{}]: {} is not supported by this kernel (needs Linux 5.19)", base, i, name);
            flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
#endif
        } else {
            return fail("{}.flags[{}]: unknown flag {}", base, i, quote(name));
        }
        if (!r) return std::unexpected(std::move(r.error()));
    }

    std::size_t name_count = 0;
    for (const auto& sc : s.syscalls) name_count += sc.names.size();
    if (name_count > kOptimizeAbove) (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);  // best effort

    // ---- rules ----
    for (std::size_t i = 0; i < s.syscalls.size(); ++i) {
        const auto& sc = s.syscalls[i];
        const std::string path = fmt::format("{}.syscalls[{}]", base, i);
        if (sc.names.empty()) return fail("{}.names: must contain at least one syscall name", path);
        auto act = resolve_action(sc.action, sc.errnoRet, path + ".action", path + ".errnoRet");
        if (!act) return std::unexpected(std::move(act.error()));
        if (*act == SCMP_ACT_NOTIFY) {
            // Nobody would receive the notifications: the syscalls would block forever.
            if (s.listenerPath.empty())
                return fail("{}.action: SCMP_ACT_NOTIFY requires {}.listenerPath", path, base);
            // The init still write()s to the runtime after the filter is loaded (as in runc).
            for (const auto& n : sc.names)
                if (n == "write") return fail("{}.action: SCMP_ACT_NOTIFY cannot be used for \"write\"", path);
        }

        std::vector<scmp_arg_cmp> conds;
        conds.reserve(sc.args.size());
        std::array<unsigned, 6> per_index{};
        bool repeated_index = false;
        for (std::size_t a = 0; a < sc.args.size(); ++a) {
            const auto& arg = sc.args[a];
            if (arg.index >= per_index.size())
                return fail("{}.args[{}].index: {} is out of range (syscalls take at most 6 arguments)", path, a, arg.index);
            const OpInfo* op = nullptr;
            for (const auto& o : kOps)
                if (o.name == arg.op) op = &o;
            if (arg.op.empty()) return fail("{}.args[{}].op: is required", path, a);
            if (!op) return fail("{}.args[{}].op: unknown operator {}", path, a, quote(arg.op));
            if (++per_index[arg.index] > 1) repeated_index = true;
            // MASKED_EQ: value is the mask, valueTwo the value compared with (arg & mask).
            conds.push_back(scmp_arg_cmp{arg.index, op->op, arg.value, arg.valueTwo});
        }

        for (std::size_t n = 0; n < sc.names.size(); ++n) {
            const auto& name = sc.names[n];
            if (name.empty()) return fail("{}.names[{}]: must not be empty", path, n);
        }
        // libseccomp refuses a rule with the default action; it would change nothing anyway.
        if (*act == *def) continue;

        for (const auto& name : sc.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                // Unknown to libseccomp (newer, or for another kernel): skipped like runc does.
                f.skipped_.push_back(name);
                continue;
            }
            auto add = [&](unsigned count, const scmp_arg_cmp* c) -> Result<void> {
                if (int rc = seccomp_rule_add_array(ctx, *act, nr, count, c); rc < 0)
                    return errno_fail(-rc, "{}: add rule for syscall {} ({})", path, quote(name), sc.action);
                return {};
            };
            Result<void> r;
            if (conds.empty() || !repeated_index) {
                r = add(static_cast<unsigned>(conds.size()), conds.data());
            } else {
                // runc: when an argument index repeats, each condition is a rule of its own.
                for (const auto& c : conds)
                    if (r = add(1, &c); !r) break;
            }
            if (!r) return std::unexpected(std::move(r.error()));
            if (*act == SCMP_ACT_NOTIFY) f.listener_ = true;
        }
    }

    // ---- generate the program now, in the runtime, so load() is one system call ----
    auto bpf = export_ctx(ctx, seccomp_export_bpf, base);
    if (!bpf) return std::unexpected(std::move(bpf.error()));
    if (bpf->empty() || bpf->size() % sizeof(sock_filter) != 0)
        return fail("{}: libseccomp generated a malformed program ({} bytes)", base, bpf->size());
    std::size_t count = bpf->size() / sizeof(sock_filter);
    f.program_.resize(count);
    std::memcpy(f.program_.data(), bpf->data(), bpf->size());
    // Syscalls newer than the profile: ENOSYS, when the default action denies.
    if (*def != SCMP_ACT_ALLOW && *def != SCMP_ACT_LOG && *def != SCMP_ACT_ERRNO(ENOSYS)) {
        auto stub = enosys_stub(ctx, s, f.program_.front());
        f.program_.insert(f.program_.begin(), stub.begin(), stub.end());
        count = f.program_.size();
    }
    if (count > BPF_MAXINSNS)
        return fail("{}: the filter needs {} BPF instructions; the kernel accepts at most {}", base, count, BPF_MAXINSNS);

    if (f.listener_) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC's failure result (a tid) is indistinguishable from a listener fd without this.
        if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    } else {
        // The kernel accepts WAIT_KILLABLE_RECV only together with NEW_LISTENER; without a
        // notify rule there is nothing for it to change.
        flags &= ~static_cast<unsigned long>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    f.flags_ = static_cast<unsigned int>(flags);
    return f;
}

Result<UniqueFd> SeccompFilter::load(bool& has_listener) const {
    has_listener = false;
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program_.size());
    prog.filter = const_cast<sock_filter*>(program_.data());
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags_, &prog);
    if (rc < 0) {
        if (errno == EACCES) return sys_fail("load seccomp filter (needs no_new_privs or CAP_SYS_ADMIN)");
        return sys_fail("load seccomp filter");
    }
    if (listener_) {
        has_listener = true;
        return UniqueFd(static_cast<int>(rc));
    }
    // Without TSYNC_ESRCH a positive result is the id of a thread that could not be synchronized.
    if (rc > 0) return errno_fail(ESRCH, "load seccomp filter: thread {} could not be synchronized", rc);
    return UniqueFd{};
}

Result<std::string> SeccompFilter::pfc() const {
    if (!ctx_) return fail("seccomp filter: empty");
    return export_ctx(ctx_, seccomp_export_pfc, "export seccomp filter");
}

std::string container_process_state_json(std::string_view metadata, pid_t pid, const std::string& state_json) {
    std::string out = fmt::format(R"({{"ociVersion":{},"fds":["seccompFd"],"pid":{})", quote(oci::kSpecVersion), pid);
    if (!metadata.empty()) out += fmt::format(R"(,"metadata":{})", quote(metadata));
    out += R"(,"state":)";
    out += state_json.empty() ? std::string("{}") : state_json;
    out += '}';
    return out;
}

Result<void> send_to_listener(const std::string& listener_path, int notify_fd, const std::string& state_json_with_metadata) {
    const std::string what = fmt::format("{}.listenerPath {}", kBase, quote(listener_path));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listener_path.empty()) return fail("{}: is empty", what);
    if (listener_path.size() >= sizeof(addr.sun_path))
        return fail("{}: longer than a unix socket address allows ({} bytes)", what, sizeof(addr.sun_path) - 1);
    std::memcpy(addr.sun_path, listener_path.data(), listener_path.size());

    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return sys_fail("{}: socket", what);
    int rc;
    do rc = ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return sys_fail("{}: connect to the seccomp agent", what);

    // The fd rides on the first sendmsg only (runtime-spec: "the file descriptors MUST be
    // sent only in the first call"); the rest of a long state follows as plain data.
    const char* data = state_json_with_metadata.data();
    std::size_t left = state_json_with_metadata.size();
    if (left == 0) return fail("{}: empty container process state", what);
    bool fd_sent = false;
    while (left > 0) {
        // send(MSG_NOSIGNAL) after the first: an agent that went away must not SIGPIPE us.
        ssize_t n = fd_sent ? ::send(sock.get(), data, left, MSG_NOSIGNAL)
                            : linuxfs::send_with_fd(sock.get(), data, left, notify_fd);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_fail("{}: send the container process state", what);
        fd_sent = true;
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    // One state per connection: closing it (sock's destructor) ends the message.
    return {};
}

}  // namespace brig::seccomp
