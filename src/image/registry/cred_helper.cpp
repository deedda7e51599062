#include "image/registry/cred_helper.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "image/registry/endpoint.hpp"
#include "linux/spawn.hpp"

namespace brig::registry {

namespace {

constexpr size_t kMaxHelperOutput = 1u << 20;
constexpr std::string_view kNotFound = "credentials not found";
constexpr std::string_view kTokenUser = "<token>";  // docker's marker: Secret is an identity token

struct HelperRun {
    int status = 0;  // exit status, or 128 + signal
    std::string out;
};

Result<void> check_name(std::string_view helper) {
    if (helper.empty() || helper.find_first_of("/\\ \t\n") != std::string_view::npos || helper.starts_with('.')) {
        return fail("credential helper name \"{}\" is not valid", helper);
    }
    return {};
}

// Runs docker-credential-<helper> <action> with `input` on stdin; collects stdout.
Result<HelperRun> run_helper(std::string_view helper, const char* action, std::string_view input) {
    if (auto c = check_name(helper); !c) return std::unexpected(c.error());
    std::string prog = "docker-credential-" + std::string(helper);
    spawn::Options o;
    o.argv = {prog, action};
    o.search_path = true;
    o.err = spawn::kInherit;
    spawn::Capture c;
    c.input = std::string(input);
    c.err = spawn::Capture::Err::as_given;
    c.max_bytes = kMaxHelperOutput;
    auto got = spawn::run_capture(std::move(o), c);
    if (!got) return std::unexpected(std::move(got.error()).context(fmt::format("run credential helper {}", prog)));
    if (got->status == spawn::kExecFailed && got->out.empty())
        return fail("run credential helper {}: not found or not executable (is it on PATH?)", prog);
    HelperRun run{got->status, std::move(got->out)};
    while (!run.out.empty() && (run.out.back() == '\n' || run.out.back() == '\r')) run.out.pop_back();
    return run;
}

std::string describe_failure(std::string_view helper, const char* action, const HelperRun& run) {
    return fmt::format("credential helper docker-credential-{} {} failed (exit status {}){}{}", helper, action,
                       run.status, run.out.empty() ? "" : ": ", run.out.substr(0, 200));
}

}  // namespace

std::string credential_helper_for(const nlohmann::json& file, std::string_view registry) {
    if (auto helpers = file.find("credHelpers"); helpers != file.end() && helpers->is_object()) {
        for (auto it = helpers->begin(); it != helpers->end(); ++it) {
            auto key = normalize_registry(it.key());
            if (key && *key == registry && it->is_string()) return it->get<std::string>();
        }
    }
    if (auto store = file.find("credsStore"); store != file.end() && store->is_string()) return store->get<std::string>();
    return {};
}

std::string helper_server_url(std::string_view registry) {
    if (registry == "docker.io") return "https://index.docker.io/v1/";
    return std::string(registry);
}

Result<std::optional<Credentials>> helper_get(std::string_view helper, std::string_view registry) {
    auto run = run_helper(helper, "get", helper_server_url(registry));
    if (!run) return std::unexpected(run.error());
    if (run->status != 0) {
        if (run->out.find(kNotFound) != std::string::npos) return std::optional<Credentials>{};
        return fail("{}", describe_failure(helper, "get", *run));
    }
    auto j = nlohmann::json::parse(run->out, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return fail("credential helper docker-credential-{} get: the answer is not a JSON object", helper);
    }
    auto field = [&j](const char* name) {
        auto it = j.find(name);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    Credentials c;
    c.username = field("Username");
    std::string secret = field("Secret");
    if (c.username == kTokenUser) {
        c.username.clear();
        c.identity_token = std::move(secret);
    } else {
        c.password = std::move(secret);
    }
    if (c.username.empty() && c.password.empty() && c.identity_token.empty()) return std::optional<Credentials>{};
    return std::optional<Credentials>(std::move(c));
}

Result<void> helper_store(std::string_view helper, std::string_view registry, const Credentials& creds) {
    nlohmann::json j = {{"ServerURL", helper_server_url(registry)}};
    if (!creds.identity_token.empty()) {
        j["Username"] = kTokenUser;
        j["Secret"] = creds.identity_token;
    } else {
        j["Username"] = creds.username;
        j["Secret"] = creds.password;
    }
    auto run = run_helper(helper, "store", j.dump());
    if (!run) return std::unexpected(run.error());
    if (run->status != 0) return fail("{}", describe_failure(helper, "store", *run));
    return {};
}

Result<bool> helper_erase(std::string_view helper, std::string_view registry) {
    auto run = run_helper(helper, "erase", helper_server_url(registry));
    if (!run) return std::unexpected(run.error());
    if (run->status != 0) {
        if (run->out.find(kNotFound) != std::string::npos) return false;
        return fail("{}", describe_failure(helper, "erase", *run));
    }
    return true;
}

}  // namespace brig::registry
