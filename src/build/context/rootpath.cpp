#include "build/context/rootpath.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "build/context/path.hpp"

namespace brig::build::context {
namespace {

constexpr int kMaxLinks = 40;  // the kernel's limit for one lookup

// Elements of `p` pushed so that the first one is at the back (the next to walk).
void push_elements(std::vector<std::string>& todo, std::string_view p) {
    auto el = path_elements(p);
    for (auto it = el.rbegin(); it != el.rend(); ++it) todo.push_back(std::move(*it));
}

}  // namespace

Result<InRoot> resolve_in_root(int root_fd, std::string_view path, const ResolveOptions& opts) {
    struct Level {
        UniqueFd fd;
        std::string name;
    };
    std::vector<Level> stack;  // the directories walked below the root, each inside the one before
    UniqueFd root(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
    if (!root) return sys_fail("dup the root fd");
    auto cur = [&]() { return stack.empty() ? root.get() : stack.back().fd.get(); };
    auto rel = [&]() {
        std::string s;
        for (const auto& l : stack) s = join_rel(s, l.name);
        return s;
    };
    auto show = [&](std::string_view more) { return "/" + join_rel(rel(), more); };

    // The path itself is cleaned first, as docker does (so "a/../b" is "b" whatever "a" is);
    // `..` in a symlink's target is walked.
    std::vector<std::string> todo;
    push_elements(todo, rel_in_root(path));
    int links = 0;
    while (!todo.empty()) {
        std::string el = std::move(todo.back());
        todo.pop_back();
        if (el == ".") continue;
        if (el == "..") {
            if (!stack.empty()) stack.pop_back();
            continue;
        }
        // Last: nothing but "." follows (a ".." after it means walking into it first).
        const bool last = std::all_of(todo.begin(), todo.end(), [](const std::string& e) { return e == "."; });
        struct stat st {};
        if (::fstatat(cur(), el.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT) return sys_fail("stat {}", show(el));
            if (last && !opts.make_last_dir) {
                InRoot out;
                out.parent.reset(::fcntl(cur(), F_DUPFD_CLOEXEC, 0));
                out.name = el;
                out.rel = join_rel(rel(), el);
                return out;
            }
            if (!opts.create_parents && !opts.make_last_dir) return sys_fail("{}", show(el));
            if (::mkdirat(cur(), el.c_str(), opts.dir_mode) < 0 && errno != EEXIST) return sys_fail("create directory {}", show(el));
            if ((opts.uid || opts.gid) &&
                ::fchownat(cur(), el.c_str(), opts.uid.value_or(static_cast<uid_t>(-1)), opts.gid.value_or(static_cast<gid_t>(-1)),
                           AT_SYMLINK_NOFOLLOW) < 0)
                return sys_fail("chown {}", show(el));
            if (::fstatat(cur(), el.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat {}", show(el));
        }
        if (S_ISLNK(st.st_mode) && (!last || opts.follow_last)) {
            if (++links > kMaxLinks) return errno_fail(ELOOP, "resolve {}: too many levels of symbolic links", path);
            std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 256) + 1, '\0');
            ssize_t n = ::readlinkat(cur(), el.c_str(), target.data(), target.size());
            if (n < 0) return sys_fail("read link {}", show(el));
            target.resize(static_cast<size_t>(n));
            if (target.starts_with('/')) stack.clear();
            push_elements(todo, target);
            continue;
        }
        if (last) {
            if (opts.make_last_dir && !S_ISDIR(st.st_mode)) return errno_fail(ENOTDIR, "{} is not a directory", show(el));
            InRoot out;
            out.parent.reset(::fcntl(cur(), F_DUPFD_CLOEXEC, 0));
            out.name = el;
            out.rel = join_rel(rel(), el);
            out.exists = true;
            out.st = st;
            return out;
        }
        if (!S_ISDIR(st.st_mode)) return errno_fail(ENOTDIR, "{} is not a directory", show(el));
        UniqueFd next(::openat(cur(), el.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next) return sys_fail("open {}", show(el));
        stack.push_back({std::move(next), std::move(el)});
    }
    // The path ended at a directory already walked (the root, or after a trailing "..").
    InRoot out;
    out.rel = rel();
    if (stack.empty()) {
        out.parent = std::move(root);
        out.name = ".";
    } else {
        out.name = stack.back().name;
        stack.pop_back();
        out.parent.reset(::fcntl(cur(), F_DUPFD_CLOEXEC, 0));
    }
    if (::fstatat(out.parent.get(), out.name.c_str(), &out.st, AT_SYMLINK_NOFOLLOW) < 0) return sys_fail("stat /{}", out.rel);
    out.exists = true;
    return out;
}

Result<UniqueFd> open_resolved(const InRoot& r, int flags) {
    UniqueFd fd(::openat(r.parent.get(), r.name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return sys_fail("open /{}", r.rel);
    return fd;
}

}  // namespace brig::build::context
