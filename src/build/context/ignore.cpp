#include "build/context/ignore.hpp"

#include <sys/stat.h>

#include "build/context/path.hpp"
#include "common/strings.hpp"
#include "linux/fs.hpp"

namespace brig::build::context {

Result<Ignore> Ignore::parse(std::string_view text) {
    Ignore ig;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    size_t lineno = 0;
    for (size_t start = 0; start <= text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++lineno;
        if (line.starts_with('#')) continue;  // a comment only when '#' is in column 1
        line = trim(line);
        if (line.empty()) continue;
        Rule r;
        if (line.front() == '!') {
            r.exception = true;
            line = trim(line.substr(1));
            if (line.empty()) return fail("invalid ignore pattern on line {}: illegal exclusion pattern: \"!\"", lineno);
        }
        std::string cleaned = clean_path(line);
        if (cleaned.size() > 1 && cleaned.front() == '/') cleaned.erase(0, 1);
        auto g = Glob::compile(cleaned, Glob::Syntax::Ignore);
        if (!g) return fail("invalid ignore pattern on line {}: {}", lineno, g.error().message);
        r.pattern = std::move(cleaned);
        r.glob = std::move(*g);
        ig.rules_.push_back(std::move(r));
        if (end == text.size()) break;
    }
    return ig;
}

bool Ignore::matches(const Rule& r, std::string_view path) {
    if (r.glob.match(path)) return true;
    for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1))
        if (r.glob.match(path.substr(0, slash))) return true;
    return false;
}

bool Ignore::excluded(std::string_view relpath) const {
    if (rules_.empty()) return false;
    std::string path = rel_in_root(relpath);
    if (path.empty()) return false;  // the context root itself is always there
    bool out = false;
    for (const auto& r : rules_) {
        // A rule can only change the verdict: skip those that would repeat it.
        if (r.exception != out) continue;
        if (matches(r, path)) out = !r.exception;
    }
    return out;
}

bool Ignore::may_include_below(std::string_view reldir) const {
    std::string dir = rel_in_root(reldir);
    if (dir.empty()) return true;
    // Every path below dir is matched by the rules that match dir or a parent of it; the last
    // of those (k) excludes dir. Only a later exception can then re-include something below,
    // by matching a path (or a directory on the way to it) strictly below dir.
    size_t first = 0;
    for (size_t k = rules_.size(); k-- > 0;) {
        if (matches(rules_[k], dir)) {
            first = k + 1;
            break;
        }
    }
    for (size_t j = first; j < rules_.size(); ++j)
        if (rules_[j].exception && rules_[j].glob.may_match_below(dir)) return true;
    return false;
}

std::vector<std::string> Ignore::patterns() const {
    std::vector<std::string> out;
    for (const auto& r : rules_) out.push_back((r.exception ? "!" : "") + r.pattern);
    return out;
}

std::optional<std::string> find_ignore_file(const std::string& context_dir, const std::string& dockerfile) {
    auto is_file = [](const std::string& p) {
        struct stat st {};
        return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    };
    if (!dockerfile.empty() && dockerfile != "-") {
        std::string own = dockerfile + ".dockerignore";
        if (is_file(own)) return own;
    }
    for (const char* name : {"/.containerignore", "/.dockerignore"}) {
        std::string p = context_dir + name;
        if (is_file(p)) return p;
    }
    return std::nullopt;
}

Result<Ignore> load_ignore_file(const std::string& path) {
    auto text = linuxfs::read_file(path);
    if (!text) return wrap(std::move(text), "read the ignore file");
    auto ig = Ignore::parse(*text);
    if (!ig) return wrap(std::move(ig), path);
    return ig;
}

}  // namespace brig::build::context
