#include "build/context/path.hpp"

namespace brig::build::context {

std::string clean_path(std::string_view p) {
    if (p.empty()) return ".";
    const bool rooted = p.front() == '/';
    std::vector<std::string_view> out;
    size_t dotdots = 0;  // leading ".." elements of a relative path (they cannot be removed)
    size_t i = 0;
    while (i < p.size()) {
        size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        std::string_view e = p.substr(i, j - i);
        i = j + 1;
        if (e.empty() || e == ".") continue;
        if (e == "..") {
            if (out.size() > dotdots) {
                out.pop_back();
            } else if (!rooted) {
                out.push_back(e);
                ++dotdots;
            }
            continue;
        }
        out.push_back(e);
    }
    std::string s = rooted ? "/" : "";
    for (size_t k = 0; k < out.size(); ++k) {
        if (k > 0) s += '/';
        s += out[k];
    }
    return s.empty() ? "." : s;
}

std::string rel_in_root(std::string_view p) {
    std::string rooted = "/";
    rooted += p;
    std::string c = clean_path(rooted);
    return c == "/" ? std::string() : c.substr(1);
}

std::vector<std::string> path_elements(std::string_view p) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < p.size()) {
        size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        if (j > i) out.emplace_back(p.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::string join_rel(std::string_view a, std::string_view b) {
    if (a.empty()) return std::string(b);
    if (b.empty()) return std::string(a);
    std::string s(a);
    s += '/';
    s += b;
    return s;
}

std::string_view base_name(std::string_view p) {
    size_t s = p.rfind('/');
    return s == std::string_view::npos ? p : p.substr(s + 1);
}

std::string_view dir_name(std::string_view p) {
    size_t s = p.rfind('/');
    return s == std::string_view::npos ? std::string_view() : p.substr(0, s);
}

}  // namespace brig::build::context
