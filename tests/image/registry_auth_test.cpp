// Registry auth pieces: WWW-Authenticate parsing, token URLs, base64, auth files, registry names.
#include "image/registry/auth_file.hpp"
#include "image/registry/cred_helper.hpp"
#include "image/registry/challenge.hpp"
#include "image/registry/endpoint.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace brig::registry {
namespace {

TEST(RegistryChallenge, BearerWithAllParameters) {
    auto ch = parse_www_authenticate(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
    ASSERT_TRUE(ch) << ch.error().what();
    ASSERT_EQ(ch->size(), 1u);
    EXPECT_EQ((*ch)[0].scheme, "bearer");
    EXPECT_EQ((*ch)[0].param("realm"), "https://auth.docker.io/token");
    EXPECT_EQ((*ch)[0].param("service"), "registry.docker.io");
    EXPECT_EQ((*ch)[0].param("scope"), "repository:library/busybox:pull");
}

TEST(RegistryChallenge, SeveralChallengesSpacesAndEscapes) {
    auto ch = parse_www_authenticate(R"(Basic realm="basic \"quoted\" realm" , BEARER Realm=http://x/t, error="insufficient_scope")");
    ASSERT_TRUE(ch) << ch.error().what();
    ASSERT_EQ(ch->size(), 2u);
    EXPECT_EQ((*ch)[0].scheme, "basic");
    EXPECT_EQ((*ch)[0].param("realm"), R"(basic "quoted" realm)");
    EXPECT_EQ((*ch)[1].scheme, "bearer");
    EXPECT_EQ((*ch)[1].param("realm"), "http://x/t");
    EXPECT_EQ((*ch)[1].param("error"), "insufficient_scope");
}

TEST(RegistryChallenge, SchemeWithoutParameters) {
    auto ch = parse_www_authenticate("Basic");
    ASSERT_TRUE(ch);
    ASSERT_EQ(ch->size(), 1u);
    EXPECT_TRUE((*ch)[0].params.empty());
}

TEST(RegistryChallenge, MalformedIsRefused) {
    EXPECT_FALSE(parse_www_authenticate(""));
    EXPECT_FALSE(parse_www_authenticate(R"(Bearer realm="unterminated)"));
    EXPECT_FALSE(parse_www_authenticate("Bearer realm=\"a\" junk=\"b\" ="));
}

TEST(RegistryChallenge, TokenUrlEncodesServiceAndScopes) {
    AuthChallenge b{"bearer", {{"realm", "https://auth.example/token"}, {"service", "reg example"}}};
    auto url = token_url(b, {"repository:a/b:pull", "repository:c/d:pull,push"});
    ASSERT_TRUE(url);
    EXPECT_EQ(*url,
              "https://auth.example/token?service=reg%20example&scope=repository%3Aa%2Fb%3Apull"
              "&scope=repository%3Ac%2Fd%3Apull%2Cpush");
    AuthChallenge q{"bearer", {{"realm", "http://h/t?x=1"}}};
    EXPECT_EQ(*token_url(q, {}), "http://h/t?x=1");
    AuthChallenge bad{"bearer", {{"realm", "file:///etc/passwd"}}};
    EXPECT_FALSE(token_url(bad, {}));
    EXPECT_FALSE(token_url(AuthChallenge{"bearer", {}}, {}));
}

TEST(RegistryBase64, RoundTripAndKnownValues) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("user:pa:ss"), "dXNlcjpwYTpzcw==");
    EXPECT_EQ(*base64_decode("dXNlcjpwYTpzcw=="), "user:pa:ss");
    EXPECT_EQ(*base64_decode("Zm9v"), "foo");
    EXPECT_FALSE(base64_decode("Zm9v!"));
    EXPECT_FALSE(base64_decode("Z"));
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(char(i));
    EXPECT_EQ(*base64_decode(base64_encode(all)), all);
}

TEST(RegistryEndpoint, NormalizeRegistry) {
    EXPECT_EQ(*normalize_registry("https://index.docker.io/v1/"), "docker.io");
    EXPECT_EQ(*normalize_registry("docker.io"), "docker.io");
    EXPECT_EQ(*normalize_registry("registry-1.docker.io"), "docker.io");
    EXPECT_EQ(*normalize_registry("localhost:5000/"), "localhost:5000");
    EXPECT_EQ(*normalize_registry("http://127.0.0.1:5000"), "127.0.0.1:5000");
    EXPECT_EQ(*normalize_registry("[::1]:5000"), "[::1]:5000");
    EXPECT_FALSE(normalize_registry(""));
    EXPECT_FALSE(normalize_registry("bad host"));
    EXPECT_FALSE(normalize_registry("host:port"));
    EXPECT_FALSE(normalize_registry("-bad.example"));
}

TEST(RegistryEndpoint, LocalRegistries) {
    EXPECT_TRUE(is_local_registry("localhost"));
    EXPECT_TRUE(is_local_registry("localhost:5000"));
    EXPECT_TRUE(is_local_registry("127.0.0.1:5000"));
    EXPECT_TRUE(is_local_registry("[::1]:5000"));
    EXPECT_FALSE(is_local_registry("docker.io"));
    EXPECT_FALSE(is_local_registry("quay.io:443"));
    EXPECT_FALSE(is_local_registry("localhost.example.com"));
}

TEST(RegistryAuthFile, LookupBothSpellingsAndFieldForms) {
    auto file = nlohmann::json::parse(R"({
        "auths": {
            "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
            "localhost:5000": {"username": "u", "password": "p"},
            "quay.io/team": {"auth": "dGVhbTpwdw=="},
            "quay.io": {"auth": "YW55OnB3"}
        },
        "credsStore": "ignored"
    })");
    auto hub = lookup_credentials(file, "docker.io", "library/busybox");
    ASSERT_TRUE(hub && *hub);
    EXPECT_EQ((*hub)->username, "hub");
    EXPECT_EQ((*hub)->password, "secret");
    auto local = lookup_credentials(file, "localhost:5000");
    ASSERT_TRUE(local && *local);
    EXPECT_EQ((*local)->username, "u");
    EXPECT_EQ((*local)->password, "p");
    // The repository-scoped entry wins for its repositories only.
    EXPECT_EQ((*lookup_credentials(file, "quay.io", "team/app"))->username, "team");
    EXPECT_EQ((*lookup_credentials(file, "quay.io", "teamx/app"))->username, "any");
    EXPECT_FALSE(*lookup_credentials(file, "ghcr.io", "x/y"));
    EXPECT_FALSE(*lookup_credentials(nlohmann::json::object(), "docker.io"));
}

TEST(RegistryAuthFile, BadAuthFieldIsAnError) {
    auto file = nlohmann::json::parse(R"({"auths": {"r.example": {"auth": "bm9jb2xvbg=="}}})");  // "nocolon"
    auto c = lookup_credentials(file, "r.example");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().what().find("USER:PASSWORD"), std::string::npos);
}

TEST(RegistryAuthFile, SaveRemoveKeepOtherEntriesMode0600) {
    auto dir = std::filesystem::temp_directory_path() / ("brig-authfile-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto file = dir / "sub" / "auth.json";
    {
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << R"({"auths": {"other.example": {"auth": "bzpw"}}, "keep": 1})";
    }
    ASSERT_TRUE(save_credentials(file, "localhost:5000", {"alice", "s3:cret", {}}));
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto found = find_credentials("localhost:5000", "", file);
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->username, "alice");
    EXPECT_EQ((*found)->password, "s3:cret");

    auto j = nlohmann::json::parse(std::ifstream(file));
    EXPECT_EQ(j["keep"], 1);
    EXPECT_EQ(j["auths"]["localhost:5000"]["auth"], base64_encode("alice:s3:cret"));
    EXPECT_TRUE(j["auths"].contains("other.example"));

    // Docker Hub under docker's legacy key is replaced, not duplicated.
    ASSERT_TRUE(save_credentials(file, "docker.io", {"a", "b", {}}));
    ASSERT_TRUE(save_credentials(file, "docker.io", {"c", "d", {}}));
    EXPECT_EQ((*find_credentials("docker.io", "", file))->username, "c");

    EXPECT_TRUE(*remove_credentials(file, "localhost:5000"));
    EXPECT_FALSE(*remove_credentials(file, "localhost:5000"));
    EXPECT_FALSE(*find_credentials("localhost:5000", "", file));
    EXPECT_TRUE(*find_credentials("other.example", "", file));
    EXPECT_FALSE(*remove_credentials(dir / "missing.json", "x.example"));

    // A fresh directory is created 0700.
    auto fresh = dir / "fresh" / "auth.json";
    ASSERT_TRUE(save_credentials(fresh, "r.example", {"u", "p", {}}));
    ASSERT_EQ(::stat(fresh.parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    std::filesystem::remove_all(dir);
}

// Sets environment variables for one test and puts the old values back.
class EnvGuard {
public:
    explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
        for (const auto& n : names_) {
            const char* v = std::getenv(n.c_str());
            saved_.emplace_back(v != nullptr, v != nullptr ? v : "");
        }
    }
    ~EnvGuard() {
        for (size_t i = 0; i < names_.size(); ++i) {
            if (saved_[i].first) {
                ::setenv(names_[i].c_str(), saved_[i].second.c_str(), 1);
            } else {
                ::unsetenv(names_[i].c_str());
            }
        }
    }

private:
    std::vector<std::string> names_;
    std::vector<std::pair<bool, std::string>> saved_;
};

TEST(RegistryAuthFile, SearchPathOrder) {
    EnvGuard env({"REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "HOME", "DOCKER_CONFIG"});
    ::setenv("REGISTRY_AUTH_FILE", "/x/auth.json", 1);
    ::setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
    ::setenv("HOME", "/home/u", 1);
    ::unsetenv("DOCKER_CONFIG");
    auto p = auth_file_search_path();
    ASSERT_GE(p.size(), 2u);
    EXPECT_EQ(p.front(), "/x/auth.json");
    EXPECT_EQ(p.back(), "/home/u/.docker/config.json");
    EXPECT_EQ(default_auth_file(), "/x/auth.json");
    ::unsetenv("REGISTRY_AUTH_FILE");
    EXPECT_EQ(default_auth_file(), "/run/user/7/containers/auth.json");
    EXPECT_EQ(auth_file_search_path().front(), "/run/user/7/containers/auth.json");
    ::unsetenv("XDG_RUNTIME_DIR");
    EXPECT_EQ(default_auth_file(), "/run/containers/" + std::to_string(::getuid()) + "/auth.json");
}

}  // namespace
}  // namespace brig::registry

TEST(CredentialHelpers, ChosenPerRegistryThenStoreThenNone) {
    auto j = nlohmann::json::parse(R"({"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud","localhost:5000":"local"}})");
    EXPECT_EQ(brig::registry::credential_helper_for(j, "gcr.io"), "gcloud");
    EXPECT_EQ(brig::registry::credential_helper_for(j, "localhost:5000"), "local");
    EXPECT_EQ(brig::registry::credential_helper_for(j, "quay.io"), "desktop");
    EXPECT_EQ(brig::registry::credential_helper_for(nlohmann::json::parse(R"({"auths":{}})"), "quay.io"), "");
    EXPECT_EQ(brig::registry::helper_server_url("docker.io"), "https://index.docker.io/v1/");
    EXPECT_EQ(brig::registry::helper_server_url("localhost:5000"), "localhost:5000");
}

TEST(CredentialHelpers, BadHelperNamesAreRefused) {
    for (const char* bad : {"../x", "a/b", "", ".hidden", "a b"}) {
        auto r = brig::registry::helper_get(bad, "localhost:5000");
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().what().find("not valid"), std::string::npos) << r.error().what();
    }
}
