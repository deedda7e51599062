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

Result<oci::Seccomp> seccomp_for(const json& profile, const std::set<std::string>& caps, std::string_view machine) {
    try {
        oci::Seccomp out;
        out.defaultAction = profile.at("defaultAction").get<std::string>();
        if (profile.contains("defaultErrnoRet")) out.defaultErrnoRet = profile["defaultErrnoRet"].get<uint32_t>();
        const auto& arches = profile.value("architectures", json::object());
        if (arches.is_object() && arches.contains(std::string(machine))) {
            out.architectures = arches[std::string(machine)].get<std::vector<std::string>>();
        } else if (arches.is_array()) {
            out.architectures = arches.get<std::vector<std::string>>();
        }
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
            oci::SeccompSyscall r;
            r.names = rule.at("names").get<std::vector<std::string>>();
            r.action = rule.at("action").get<std::string>();
            if (rule.contains("errnoRet")) r.errnoRet = rule["errnoRet"].get<uint32_t>();
            for (const auto& a : rule.value("args", json::array()))
                r.args.push_back({.index = a.at("index").get<uint32_t>(),
                                  .value = a.at("value").get<uint64_t>(),
                                  .valueTwo = a.value("valueTwo", uint64_t{0}),
                                  .op = a.at("op").get<std::string>()});
            out.syscalls.push_back(std::move(r));
        }
        if (auto ok = oci::validate_seccomp(out); !ok) return std::unexpected(ok.error());
        return out;
    } catch (const json::exception& e) {
        return fail("{}", e.what());
    }
}

}  // namespace brig::engine
