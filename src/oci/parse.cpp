// The public face of parsing (spec.hpp): each entry point runs the steps of
// parse_steps.hpp in order and turns the first problem into an Error.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/fd.hpp"
#include "oci/parse_steps.hpp"
#include "oci/spec.hpp"
#include "oci/spec_error.hpp"
#include "oci/validate_rules.hpp"

namespace brig::oci {

namespace {

// The whole file, or an errno-carrying error naming it.
Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_fail("read {}", path);
    std::string content;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("read {}", path);
        }
        if (n == 0) return content;
        content.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

Result<Spec> parse_spec(std::string_view json_text) {
    return detail::guarded([&] {
        Spec spec = detail::read_spec(json_text);
        detail::resolve_spec(spec);
        detail::check_spec(spec);
        return spec;
    });
}

Result<Process> parse_process(std::string_view json_text) {
    return detail::guarded([&] {
        Process p = detail::read_process(json_text);
        detail::resolve_process(p, "");
        detail::check_process(p, "");
        return p;
    });
}

Result<Seccomp> parse_seccomp(std::string_view json_text) {
    return detail::guarded([&] {
        Seccomp s = detail::read_seccomp(json_text);
        detail::check_seccomp(s);
        return s;
    });
}

Result<void> validate_seccomp(const Seccomp& s) {
    return detail::guarded([&] { detail::check_seccomp(s); });
}

Result<Spec> load_spec(const std::string& bundle_dir, std::string* text_out) {
    std::string path =
        bundle_dir.empty() || bundle_dir.ends_with('/') ? bundle_dir + "config.json" : bundle_dir + "/config.json";
    auto text = read_file(path);
    if (!text) return std::unexpected(std::move(text.error()));
    auto spec = parse_spec(*text);
    if (!spec) return wrap(std::move(spec), path);
    if (text_out) *text_out = std::move(*text);
    return spec;
}

Result<void> resolve_names(Spec& spec) {
    return detail::guarded([&] { detail::resolve_spec(spec); });
}

Result<void> resolve_names(Process& p, std::string_view path_prefix) {
    return detail::guarded([&] { detail::resolve_process(p, path_prefix); });
}

Result<void> validate_spec(const Spec& spec) {
    return detail::guarded([&] { detail::check_spec(spec); });
}

Result<void> validate_process(const Process& p, std::string_view path_prefix) {
    return detail::guarded([&] { detail::check_process(p, path_prefix); });
}

}  // namespace brig::oci
