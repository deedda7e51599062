#include "build/graph.hpp"

#include <algorithm>
#include <cctype>

#include "build/dockerfile/decode.hpp"

namespace brig::build {

namespace df = dockerfile;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The `from=` option of a RUN --mount value ("type=cache,from=build,target=/x").
std::string mount_from(std::string_view v) {
    size_t i = 0;
    while (i < v.size()) {
        size_t j = v.find(',', i);
        if (j == std::string_view::npos) j = v.size();
        auto opt = v.substr(i, j - i);
        if (opt.starts_with("from=")) return std::string(opt.substr(5));
        i = j + 1;
    }
    return "";
}

}  // namespace

std::optional<int> stage_ref(const StageGraph& g, std::string_view ref, int before) {
    if (ref.empty()) return std::nullopt;
    std::string l = lower(std::string(ref));
    for (int i = 0; i < before && i < static_cast<int>(g.stages.size()); ++i)
        if (!g.stages[static_cast<size_t>(i)].name.empty() && g.stages[static_cast<size_t>(i)].name == l) return i;
    if (std::all_of(ref.begin(), ref.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        ref.size() < 6) {
        int n = std::stoi(std::string(ref));
        if (n < before) return n;
    }
    return std::nullopt;
}

Result<StageGraph> plan_stages(const df::Dockerfile& file, const df::Vars& global_vars, const std::string& target) {
    StageGraph g;
    if (file.stages.empty()) return fail("the Dockerfile has no FROM: nothing to build");
    for (size_t i = 0; i < file.stages.size(); ++i) {
        const auto& st = file.stages[i];
        auto from = df::decode(st.from, global_vars, file.escape);
        if (!from) return std::unexpected(from.error());
        auto* f = std::get_if<df::From>(&*from);
        if (f == nullptr) return fail("{}: expected FROM", to_string(st.from.loc));
        StageNode n;
        n.index = static_cast<int>(i);
        n.name = lower(f->name);
        n.base = f->image;
        n.platform = f->platform;
        if (n.base.empty()) return fail("{}: FROM needs an image", to_string(st.from.loc));
        for (auto& other : g.stages)
            if (!n.name.empty() && other.name == n.name)
                return fail("{}: the stage name {:?} is used twice", to_string(st.from.loc), n.name);
        n.base_stage = stage_ref(g, n.base, n.index);
        // An index is not a base: FROM 0 means an image called "0".
        if (n.base_stage && g.stages[static_cast<size_t>(*n.base_stage)].name != lower(n.base)) n.base_stage.reset();
        for (auto& ins : st.body) {
            for (auto& fl : ins.flags) {
                std::string ref;
                if ((ins.keyword == "COPY" || ins.keyword == "ADD") && fl.name == "from") ref = fl.value;
                else if (ins.keyword == "RUN" && fl.name == "mount") ref = mount_from(fl.value);
                if (ref.empty()) continue;
                auto expanded = df::expand(ref, global_vars, file.escape);
                if (!expanded) return std::unexpected(expanded.error());
                if (lower(*expanded) == n.name && !n.name.empty())
                    return fail("{}: stage {:?} cannot copy from itself", to_string(ins.loc), n.name);
                if (auto s = stage_ref(g, *expanded, n.index)) n.reads.push_back(*s);
            }
        }
        g.stages.push_back(std::move(n));
    }
    if (target.empty()) {
        g.target = static_cast<int>(g.stages.size()) - 1;
    } else {
        auto t = stage_ref(g, target, static_cast<int>(g.stages.size()));
        if (!t || g.stages[static_cast<size_t>(*t)].name != lower(target))
            return fail("target stage {:?} could not be found", target);
        g.target = *t;
    }
    // Mark what the target needs, walking back along bases and reads.
    std::vector<int> todo = {g.target};
    while (!todo.empty()) {
        int i = todo.back();
        todo.pop_back();
        auto& n = g.stages[static_cast<size_t>(i)];
        if (n.needed) continue;
        n.needed = true;
        if (n.base_stage) todo.push_back(*n.base_stage);
        for (int r : n.reads) todo.push_back(r);
    }
    return g;
}

}  // namespace brig::build
