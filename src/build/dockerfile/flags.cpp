#include "build/dockerfile/flags.hpp"

#include <algorithm>
#include <set>

#include "common/strings.hpp"

namespace brig::build::dockerfile::detail {

Result<std::vector<Flag>> check_flags(const std::vector<std::pair<std::string, Location>>& words,
                                      std::span<const FlagSpec> specs) {
    std::vector<Flag> out;
    std::set<std::string_view> used;
    for (const auto& [word, loc] : words) {
        if (!word.starts_with("--")) return fail_at(loc, "arg should start with -- : {}", word);
        auto kv = split_key_value(std::string_view(word).substr(2));
        auto spec = std::find_if(specs.begin(), specs.end(), [&](const FlagSpec& s) { return s.name == kv.key; });
        if (spec == specs.end()) {
            if (specs.empty()) return fail_at(loc, "unknown flag: {} (this instruction takes no flags)", kv.key);
            std::vector<std::string> names;
            for (const FlagSpec& s : specs) names.push_back("--" + std::string(s.name));
            return fail_at(loc, "unknown flag: {} (known: {})", kv.key, join(names, ", "));
        }
        if (spec->type != FlagType::kStrings && !used.insert(spec->name).second)
            return fail_at(loc, "duplicate flag specified: {}", kv.key);
        Flag flag{std::string(kv.key), std::string(kv.value), loc};
        if (spec->type == FlagType::kBool) {
            if (kv.has_value && kv.value.empty()) return fail_at(loc, "missing a value on flag: {}", kv.key);
            std::string v = to_lower(kv.value);
            if (v.empty() || v == "true")
                flag.value = "true";
            else if (v == "false")
                flag.value = "false";
            else
                return fail_at(loc, "expecting boolean value for flag {}, not: {}", kv.key, kv.value);
        } else if (!kv.has_value) {
            return fail_at(loc, "missing a value on flag: {}", kv.key);
        }
        out.push_back(std::move(flag));
    }
    return out;
}

}  // namespace brig::build::dockerfile::detail
