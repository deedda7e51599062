#include "cli/oci/args.hpp"

namespace brig::cli {

Result<Parsed> parse_flags(std::span<char* const> args, std::span<const FlagDef> defs, std::string_view where) {
    Parsed out;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-') break;
        a.remove_prefix(a[1] == '-' ? 2 : 1);
        std::optional<std::string> inline_value;
        if (auto eq = a.find('='); eq != std::string_view::npos) {
            inline_value = std::string(a.substr(eq + 1));
            a = a.substr(0, eq);
        }
        const FlagDef* def = nullptr;
        for (auto& d : defs)
            if (a == d.name || (d.alias && a == d.alias)) def = &d;
        if (!def) return fail("{}: flag provided but not defined: -{}", where, a);
        std::string value;
        if (def->takes_value) {
            if (inline_value) value = *inline_value;
            else if (i + 1 < args.size()) value = args[++i];
            else return fail("{}: flag needs an argument: -{}", where, a);
        } else if (inline_value && *inline_value != "true") {
            if (*inline_value == "false") continue;
            return fail("{}: invalid boolean value {:?} for -{}", where, *inline_value, a);
        }
        out.values[def->name].push_back(std::move(value));
    }
    for (; i < args.size(); ++i) out.positional.emplace_back(args[i]);
    return out;
}

}  // namespace brig::cli
