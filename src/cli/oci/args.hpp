// A small command-line parser with runc's (urfave/cli) conventions: flags may be written
// -f, --flag, -flag, --flag=value or --flag value; flag parsing stops at the first
// positional argument or at "--".
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace brig::cli {

struct FlagDef {
    const char* name;        // long name without dashes
    const char* alias;       // short name or nullptr
    bool takes_value;
};

struct Parsed {
    std::map<std::string, std::vector<std::string>> values;  // long name -> every value given ("" for booleans)
    std::vector<std::string> positional;

    bool has(const std::string& name) const { return values.count(name) > 0; }
    // The last value given (flags may repeat; the last one wins).
    std::string get(const std::string& name, std::string def = {}) const {
        auto it = values.find(name);
        return it == values.end() ? def : it->second.back();
    }
    // Every value of a repeatable flag (-e A -e B), in order.
    std::vector<std::string> get_all(const std::string& name) const {
        auto it = values.find(name);
        return it == values.end() ? std::vector<std::string>{} : it->second;
    }
};

// Parses args (not including the program or command name). `stop_at_positional`: leave
// everything from the first positional argument on as positional (as runc does).
Result<Parsed> parse_flags(std::span<char* const> args, std::span<const FlagDef> defs, std::string_view where);

}  // namespace brig::cli
