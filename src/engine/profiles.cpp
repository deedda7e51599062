#include "engine/profiles.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>

#include "oci/names.hpp"

namespace brig::engine {

extern const char kDefaultSeccompProfile[];
extern const char kDefaultCapabilities[];

using nlohmann::json;
using nlohmann::ordered_json;

std::string_view default_seccomp_profile_text() { return kDefaultSeccompProfile; }

std::vector<std::string> default_capabilities() {
    return json::parse(kDefaultCapabilities).at("capabilities").get<std::vector<std::string>>();
}

std::vector<std::string> all_capabilities() {
    std::vector<std::string> out;
    for (auto n : oci::capability_names()) out.emplace_back(n);
    return out;
}

std::vector<std::string> grantable_capabilities() {
    uint64_t bnd = ~uint64_t{0};
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("CapBnd:")) bnd = std::stoull(line.substr(7), nullptr, 16);
    std::vector<std::string> out;
    auto names = oci::capability_names();
    for (size_t i = 0; i < names.size() && i < 64; ++i)
        if (bnd & (uint64_t{1} << i)) out.emplace_back(names[i]);
    return out;
}

Result<std::string> normalize_capability(std::string_view name) {
    std::string up;
    for (char c : name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (up == "ALL") return up;
    if (!up.starts_with("CAP_")) up = "CAP_" + up;
    auto all = all_capabilities();
    if (std::find(all.begin(), all.end(), up) == all.end()) return fail("unknown capability {:?}", name);
    return up;
}

Result<ordered_json> seccomp_for(const json& profile, const std::set<std::string>& caps, std::string_view machine) {
    try {
        ordered_json out;
        out["defaultAction"] = profile.at("defaultAction");
        if (profile.contains("defaultErrnoRet")) out["defaultErrnoRet"] = profile["defaultErrnoRet"];
        const auto& arches = profile.value("architectures", json::object());
        if (arches.is_object() && arches.contains(std::string(machine))) {
            out["architectures"] = arches[std::string(machine)];
        } else if (arches.is_array()) {
            out["architectures"] = arches;
        }
        ordered_json rules = ordered_json::array();
        for (const auto& rule : profile.at("syscalls")) {
            auto has_any = [&](const char* key) {
                for (const auto& c : rule.value(key, json::array()))
                    if (caps.contains(c.get<std::string>())) return true;
                return false;
            };
            if (rule.contains("caps") && !has_any("caps")) continue;
            if (rule.contains("unless_caps") && has_any("unless_caps")) continue;
            if (rule.contains("arches")) {
                bool match = false;
                for (const auto& a : rule["arches"]) match = match || a.get<std::string>() == machine;
                if (!match) continue;
            }
            ordered_json r;
            r["names"] = rule.at("names");
            r["action"] = rule.at("action");
            if (rule.contains("errnoRet")) r["errnoRet"] = rule["errnoRet"];
            if (rule.contains("args")) r["args"] = rule["args"];
            rules.push_back(std::move(r));
        }
        out["syscalls"] = std::move(rules);
        return out;
    } catch (const json::exception& e) {
        return fail("seccomp profile: {}", e.what());
    }
}

}  // namespace brig::engine
