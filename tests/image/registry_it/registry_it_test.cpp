// brig pull / push / login / logout end to end: the brig binary against Debian's docker-registry
// on 127.0.0.1 (anonymous and htpasswd basic auth), digests compared between the pushing and
// the pulling store; and a pull killed mid-layer (SIGKILL) that the next pull resumes with a
// Range request, leaving no corrupt blob.
#include "image/registry/challenge.hpp"
#include "image/registry/client.hpp"
#include "image/store.hpp"
#include "local_registry.hpp"
#include "registry_fake_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

namespace brig::registry {
namespace {

namespace fs = std::filesystem;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
using test_registry::LocalRegistry;

class TempDir {
public:
    TempDir() {
        std::string t = (fs::temp_directory_path() / "brig-regit-XXXXXX").string();
        path_ = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Run {
    int status = -1;  // exit code, or 128+signal
    std::string out;
    std::string err;
};

// Runs argv with stdin from `input`; stdout/stderr captured through files.
pid_t spawn(const std::vector<std::string>& argv, const std::string& dir, const std::string& input,
            const std::vector<std::string>& env = {}) {
    std::ofstream(dir + "/stdin") << input;
    pid_t pid = ::fork();
    if (pid == 0) {
        int in = ::open((dir + "/stdin").c_str(), O_RDONLY);
        int out = ::open((dir + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = ::open((dir + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

Run finish(pid_t pid, const std::string& dir) {
    Run r;
    int st = 0;
    ::waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp(dir + "/stdout");
    r.err = slurp(dir + "/stderr");
    return r;
}

// The brig binary with a state root and its own auth file.
class Brig {
public:
    Brig(std::string root, std::string authfile, std::vector<std::string> env = {})
        : root_(std::move(root)), authfile_(std::move(authfile)), env_(std::move(env)) {
        fs::create_directories(root_);
        io_ = root_ + ".io";
        fs::create_directories(io_);
    }
    Run operator()(std::vector<std::string> args, const std::string& input = "") const {
        return finish(start(std::move(args), input), io_);
    }
    pid_t start(std::vector<std::string> args, const std::string& input = "") const {
        std::vector<std::string> argv{BRIG_IT_BRIG, "--root", root_};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<std::string> env{"REGISTRY_AUTH_FILE=" + authfile_};
        env.insert(env.end(), env_.begin(), env_.end());
        return spawn(argv, io_, input, env);
    }
    Run wait(pid_t pid) const { return finish(pid, io_); }
    const std::string& root() const { return root_; }

private:
    std::string root_;
    std::string authfile_;
    std::vector<std::string> env_;  // more NAME=value for the brig process
    std::string io_;
};

std::string run_capture(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

std::string pseudo_random(size_t n, uint32_t seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) {
        seed = seed * 1103515245u + 12345u;
        s[i] = char(seed >> 24);
    }
    return s;
}

struct Layer {
    std::string tar;
    std::string gz;
};

// A gzip'd layer holding the files given as (path, content).
Layer make_layer(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files) {
    fs::remove_all(dir);
    for (const auto& [path, content] : files) {
        fs::create_directories(fs::path(dir + "/" + path).parent_path());
        std::ofstream(dir + "/" + path, std::ios::binary) << content;
    }
    std::string tar_cmd = "tar -C " + dir + " --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -cf - .";
    return {run_capture(tar_cmd), run_capture(tar_cmd + " | gzip -1n")};
}

struct SeedImage {
    std::vector<Layer> layers;
    std::string config;
    std::string manifest;
};

SeedImage make_seed(const std::string& dir) {
    SeedImage img;
    img.layers.push_back(make_layer(dir + "/l1", {{"etc/hello", "hello from layer one\n"},
                                                  {"data/blob", pseudo_random(600000, 1)}}));
    img.layers.push_back(make_layer(dir + "/l2", {{"etc/second", "second layer\n"}}));
    nlohmann::json diff_ids = nlohmann::json::array();
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : img.layers) {
        diff_ids.push_back(image::sha256_of(l.tar).str());
        layers.push_back({{"mediaType", image::media::kOciLayerGzip},
                          {"digest", image::sha256_of(l.gz).str()},
                          {"size", l.gz.size()}});
    }
    auto host = image::Platform::host();
    img.config = nlohmann::json{{"architecture", host.architecture},
                                {"os", "linux"},
                                {"config", {{"Cmd", {"/bin/sh"}}, {"Env", {"PATH=/bin"}}}},
                                {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                     .dump();
    img.manifest = nlohmann::json{{"schemaVersion", 2},
                                  {"mediaType", image::media::kOciManifest},
                                  {"config", {{"mediaType", image::media::kOciConfig},
                                              {"digest", image::sha256_of(img.config).str()},
                                              {"size", img.config.size()}}},
                                  {"layers", layers}}
                       .dump();
    return img;
}

// Puts the seed image into a store under `name` through the store's own API.
void store_seed(const std::string& root, const SeedImage& img, const std::string& name) {
    auto store = image::Store::open(root);
    ASSERT_TRUE(store) << store.error().what();
    for (size_t i = 0; i < img.layers.size(); ++i) {
        image::MemorySource src(img.layers[i].gz);
        image::LayerIngest in{std::string(image::media::kOciLayerGzip), image::sha256_of(img.layers[i].gz),
                              int64_t(img.layers[i].gz.size()), image::sha256_of(img.layers[i].tar)};
        auto r = store->ingest_layer(in, src);
        ASSERT_TRUE(r) << r.error().what();
    }
    ASSERT_TRUE(store->put_blob(img.config));
    ASSERT_TRUE(store->put_blob(img.manifest));
    auto rec = store->commit_image(image::sha256_of(img.manifest), {name});
    ASSERT_TRUE(rec) << rec.error().what();
}

class RegistryIt : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root";
        if (!fs::exists("/usr/bin/docker-registry")) GTEST_SKIP() << "docker-registry is not installed";
        seed_ = make_seed(tmp_.path() + "/seed");
    }
    // A registry with basic auth for alice / "s3cret pw" (null when htpasswd failed).
    std::unique_ptr<LocalRegistry> alice_registry() {
        std::string htpasswd = tmp_.path() + "/htpasswd";
        if (std::system(("htpasswd -Bbc " + htpasswd + " alice 's3cret pw' 2>/dev/null").c_str()) != 0) return nullptr;
        return std::make_unique<LocalRegistry>(tmp_.path() + "/registry",
                                               "auth:\n  htpasswd:\n    realm: brig-test\n    path: " + htpasswd + "\n");
    }
    TempDir tmp_;
    SeedImage seed_;
};

TEST_F(RegistryIt, PushThenPullIntoAFreshRootKeepsEveryDigest) {
    LocalRegistry reg(tmp_.path() + "/registry");
    ASSERT_TRUE(reg.up()) << reg.log();
    Brig a(tmp_.path() + "/root-a", tmp_.path() + "/auth.json");
    Brig b(tmp_.path() + "/root-b", tmp_.path() + "/auth.json");
    store_seed(a.root(), seed_, "localhost/it/seed:1");
    const std::string dest = reg.host() + "/it/app:v1";

    auto push = a({"push", "localhost/it/seed:1", dest});
    ASSERT_EQ(push.status, 0) << push.err;
    const std::string manifest_digest = image::sha256_of(seed_.manifest).str();
    EXPECT_NE(push.out.find(manifest_digest), std::string::npos) << push.out;

    // Again: every blob is already there (HEAD), only the manifest is put.
    auto again = a({"push", "localhost/it/seed:1", dest});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;

    auto pull = b({"pull", dest});
    ASSERT_EQ(pull.status, 0) << pull.err;
    EXPECT_NE(pull.out.find(dest), std::string::npos) << pull.out;
    auto store = image::Store::open(b.root());
    ASSERT_TRUE(store);
    auto rec = store->find_image(dest);
    ASSERT_TRUE(rec) << rec.error().what();
    EXPECT_EQ(rec->manifest_digest.str(), manifest_digest);
    EXPECT_EQ(rec->config_digest, image::sha256_of(seed_.config));
    ASSERT_EQ(rec->layers.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(rec->layers[i].digest, image::sha256_of(seed_.layers[i].gz));
        EXPECT_EQ(rec->layers[i].diff_id, image::sha256_of(seed_.layers[i].tar));
        EXPECT_TRUE(store->has_layer(rec->layers[i].diff_id));
    }
    EXPECT_EQ(slurp(store->layer_diff(rec->layers[0].diff_id) + "/etc/hello"), "hello from layer one\n");
    ASSERT_EQ(rec->repo_digests.size(), 1u);
    EXPECT_EQ(rec->repo_digests[0], "" + reg.host() + "/it/app@" + manifest_digest);

    // Pulled again: nothing downloaded.
    auto repull = b({"pull", dest});
    ASSERT_EQ(repull.status, 0) << repull.err;
    EXPECT_EQ(repull.err.find("Pull complete"), std::string::npos) << repull.err;

    // From the pulling root to another repository of the same registry: blobs are mounted.
    auto mount = b({"push", dest, reg.host() + "/it/copy:v1"});
    ASSERT_EQ(mount.status, 0) << mount.err;
    EXPECT_NE(mount.err.find("Mounted"), std::string::npos) << mount.err;

    // By digest, and a digest that does not exist.
    Brig c(tmp_.path() + "/root-c", tmp_.path() + "/auth.json");
    auto by_digest = c({"pull", reg.host() + "/it/copy@" + manifest_digest});
    ASSERT_EQ(by_digest.status, 0) << by_digest.err;
    auto unknown = c({"pull", reg.host() + "/it/copy@sha256:" + std::string(64, '0')});
    EXPECT_NE(unknown.status, 0);
    EXPECT_NE(unknown.err.find("not found"), std::string::npos) << unknown.err;
    auto no_tag = c({"pull", reg.host() + "/it/app:missing"});
    EXPECT_NE(no_tag.status, 0);
    EXPECT_NE(no_tag.err.find("MANIFEST_UNKNOWN"), std::string::npos) << no_tag.err;
    auto bad_ref = c({"pull", "Bad/Name"});
    EXPECT_NE(bad_ref.status, 0);
    EXPECT_NE(bad_ref.err.find("lowercase"), std::string::npos) << bad_ref.err;
}

TEST_F(RegistryIt, BasicAuthLoginPushPullLogout) {
    if (!fs::exists("/usr/bin/htpasswd")) GTEST_SKIP() << "htpasswd (apache2-utils) is not installed";
    auto reg_ptr = alice_registry();
    ASSERT_TRUE(reg_ptr && reg_ptr->up()) << (reg_ptr ? reg_ptr->log() : "htpasswd failed");
    LocalRegistry& reg = *reg_ptr;
    std::string authfile = tmp_.path() + "/auth/auth.json";
    Brig a(tmp_.path() + "/root-a", authfile);
    Brig b(tmp_.path() + "/root-b", authfile);
    store_seed(a.root(), seed_, "localhost/it/seed:1");
    const std::string dest = reg.host() + "/private/app:1";

    auto anon = a({"push", "localhost/it/seed:1", dest});
    EXPECT_NE(anon.status, 0);
    EXPECT_NE(anon.err.find("brig login"), std::string::npos) << anon.err;

    auto wrong = a({"login", "-u", "alice", "--password-stdin", reg.host()}, "nope\n");
    EXPECT_NE(wrong.status, 0);
    EXPECT_NE(wrong.err.find("login to " + reg.host() + " failed"), std::string::npos) << wrong.err;
    EXPECT_FALSE(fs::exists(authfile));

    auto login = a({"login", "-u", "alice", "--password-stdin", reg.host()}, "s3cret pw\n");
    ASSERT_EQ(login.status, 0) << login.err;
    EXPECT_NE(login.out.find("Login Succeeded"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(authfile.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto j = nlohmann::json::parse(slurp(authfile));
    EXPECT_TRUE(j["auths"].contains(reg.host())) << j.dump();

    auto push = a({"push", "localhost/it/seed:1", dest});
    ASSERT_EQ(push.status, 0) << push.err;
    auto pull = b({"pull", dest});
    ASSERT_EQ(pull.status, 0) << pull.err;
    auto store = image::Store::open(b.root());
    auto rec = store->find_image(dest);
    ASSERT_TRUE(rec) << rec.error().what();
    EXPECT_EQ(rec->manifest_digest, image::sha256_of(seed_.manifest));

    // --creds on the command line works without the file too.
    Brig c(tmp_.path() + "/root-c", tmp_.path() + "/no-auth.json");
    auto creds = c({"pull", "--creds", "alice:s3cret pw", dest});
    EXPECT_EQ(creds.status, 0) << creds.err;

    auto logout = a({"logout", reg.host()});
    ASSERT_EQ(logout.status, 0) << logout.err;
    auto twice = a({"logout", reg.host()});
    EXPECT_NE(twice.status, 0);
    EXPECT_NE(twice.err.find("not logged into"), std::string::npos) << twice.err;
    Brig d(tmp_.path() + "/root-d", authfile);
    auto after = d({"pull", dest});
    EXPECT_NE(after.status, 0);
    EXPECT_NE(after.err.find("authentication required"), std::string::npos) << after.err;
}

// A blob over the chunk size goes up in chunks (POST, PATCH per chunk, PUT ?digest=) and the
// real registry assembles it: the default 16 MiB chunks and small ones with an odd tail.
TEST_F(RegistryIt, ChunkedBlobUploadToARealRegistry) {
    LocalRegistry reg(tmp_.path() + "/registry");
    ASSERT_TRUE(reg.up()) << reg.log();
    struct Case {
        int64_t chunk;
        size_t size;
    };
    for (auto [chunk, size] : {Case{16 << 20, (17u << 20) + 123}, Case{1 << 20, (5u << 20) / 2 + 7}}) {
        registry::ClientOptions opts;
        opts.upload_chunk_size = chunk;
        registry::RegistryClient client(reg.host(), opts);
        std::string blob = pseudo_random(size, static_cast<uint32_t>(size));
        auto digest = image::sha256_of(blob);
        image::MemorySource src(blob);
        auto up = client.upload_blob("it/chunked", digest, static_cast<int64_t>(blob.size()), src);
        ASSERT_TRUE(up) << up.error().what();
        EXPECT_FALSE(*up);
        auto exists = client.blob_exists("it/chunked", digest);
        ASSERT_TRUE(exists) << exists.error().what();
        EXPECT_TRUE(*exists);
        auto stream = client.open_blob("it/chunked", digest, 0);
        ASSERT_TRUE(stream) << stream.error().what();
        image::HashingSource hashed(**stream);
        std::vector<std::byte> buf(1 << 16);
        for (;;) {
            auto n = hashed.read(buf);
            ASSERT_TRUE(n) << n.error().what();
            if (*n == 0) break;
        }
        EXPECT_EQ(hashed.total(), blob.size());
        EXPECT_EQ(hashed.finish(), digest);
    }
}

// Writes an executable docker-credential-<name> shell script into `bin`.
void write_helper(const std::string& bin, const std::string& name, const std::string& body) {
    fs::create_directories(bin);
    std::string path = bin + "/docker-credential-" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    ::chmod(path.c_str(), 0755);
}

// credsStore and credHelpers: login stores through the helper, push/pull get from it, logout
// erases; the password never lands in the file. Tiny shell helpers stand in for real ones.
TEST_F(RegistryIt, CredentialHelpersStoreGetAndErase) {
    if (!fs::exists("/usr/bin/htpasswd")) GTEST_SKIP() << "htpasswd (apache2-utils) is not installed";
    auto reg_ptr = alice_registry();
    ASSERT_TRUE(reg_ptr && reg_ptr->up()) << (reg_ptr ? reg_ptr->log() : "htpasswd failed");
    LocalRegistry& reg = *reg_ptr;

    // "brigtest" keeps one entry in a file and logs what it was asked.
    const std::string bin = tmp_.path() + "/bin", kept = tmp_.path() + "/helper-kept.json", log = tmp_.path() + "/helper.log";
    write_helper(bin, "brigtest",
                 "url=$(cat)\n"
                 "case \"$1\" in\n"
                 "get) echo \"get $url\" >> " + log + "\n"
                 "  if [ -f " + kept + " ]; then cat " + kept + "; else echo 'credentials not found in native keychain'; exit 1; fi ;;\n"
                 "store) echo \"store\" >> " + log + "; printf '%s\\n' \"$url\" > " + kept + " ;;\n"
                 "erase) echo \"erase $url\" >> " + log + "\n"
                 "  if [ -f " + kept + " ]; then rm " + kept + "; else echo 'credentials not found in native keychain'; exit 1; fi ;;\n"
                 "esac\n");
    // "fixed" answers every get with alice's credentials (a read-only helper for credHelpers).
    write_helper(bin, "fixed", "url=$(cat)\necho '{\"ServerURL\":\"'$url'\",\"Username\":\"alice\",\"Secret\":\"s3cret pw\"}'\n");
    const std::string path_env = "PATH=" + bin + ":" + (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");

    std::string authfile = tmp_.path() + "/docker/config.json";
    fs::create_directories(tmp_.path() + "/docker");
    std::ofstream(authfile) << "{\"credsStore\": \"brigtest\"}\n";
    Brig a(tmp_.path() + "/root-a", authfile, {path_env});
    store_seed(a.root(), seed_, "localhost/it/seed:1");
    const std::string dest = reg.host() + "/private/app:1";

    auto login = a({"login", "-u", "alice", "--password-stdin", reg.host()}, "s3cret pw\n");
    ASSERT_EQ(login.status, 0) << login.err;
    auto kept_json = nlohmann::json::parse(slurp(kept), nullptr, false);
    ASSERT_TRUE(kept_json.is_object()) << slurp(kept);
    EXPECT_EQ(kept_json["ServerURL"], reg.host());
    EXPECT_EQ(kept_json["Username"], "alice");
    EXPECT_EQ(kept_json["Secret"], "s3cret pw");
    EXPECT_EQ(slurp(authfile).find("s3cret"), std::string::npos) << slurp(authfile);

    auto push = a({"push", "localhost/it/seed:1", dest});
    ASSERT_EQ(push.status, 0) << push.err;
    EXPECT_NE(slurp(log).find("get " + reg.host()), std::string::npos) << slurp(log);

    // credHelpers in ~/.docker/config.json (found through HOME), naming a helper for this registry only.
    const std::string home = tmp_.path() + "/home";
    fs::create_directories(home + "/.docker");
    std::ofstream(home + "/.docker/config.json")
        << "{\"credsStore\": \"brigtest\", \"credHelpers\": {\"" << reg.host() << "\": \"fixed\"}}\n";
    Brig b(tmp_.path() + "/root-b", "", {path_env, "HOME=" + home, "XDG_RUNTIME_DIR=" + tmp_.path() + "/xdg"});
    const std::string log_before = slurp(log);
    auto pull = b({"pull", dest});
    ASSERT_EQ(pull.status, 0) << pull.err;
    EXPECT_EQ(slurp(log), log_before);  // credHelpers wins over credsStore: brigtest was not asked

    // A helper that is not installed is named in the error.
    std::string missing = tmp_.path() + "/missing.json";
    std::ofstream(missing) << "{\"credsStore\": \"not-installed\"}\n";
    Brig c(tmp_.path() + "/root-c", missing, {path_env});
    auto nohelper = c({"pull", dest});
    EXPECT_NE(nohelper.status, 0);
    EXPECT_NE(nohelper.err.find("docker-credential-not-installed"), std::string::npos) << nohelper.err;

    auto logout = a({"logout", reg.host()});
    ASSERT_EQ(logout.status, 0) << logout.err;
    EXPECT_FALSE(fs::exists(kept));
    EXPECT_NE(slurp(log).find("erase " + reg.host()), std::string::npos) << slurp(log);
    auto twice = a({"logout", reg.host()});
    EXPECT_NE(twice.status, 0);
    EXPECT_NE(twice.err.find("not logged into"), std::string::npos) << twice.err;
    auto after = a({"pull", dest});
    EXPECT_NE(after.status, 0);
    EXPECT_NE(after.err.find("authentication required"), std::string::npos) << after.err;
}

// skopeo as an independent client: what it pushes (from an OCI layout) brig pulls, and what brig
// pushes skopeo reads, with the same digests.
TEST_F(RegistryIt, SkopeoAndBrigReadEachOthersPushes) {
    if (!fs::exists("/usr/bin/skopeo")) GTEST_SKIP() << "skopeo is not installed";
    LocalRegistry reg(tmp_.path() + "/registry");
    ASSERT_TRUE(reg.up()) << reg.log();
    // The seed as an OCI image layout.
    const std::string layout = tmp_.path() + "/layout";
    fs::create_directories(layout + "/blobs/sha256");
    auto put = [&](const std::string& data) {
        std::ofstream(layout + "/blobs/sha256/" + image::sha256_of(data).hex, std::ios::binary) << data;
    };
    for (const auto& l : seed_.layers) put(l.gz);
    put(seed_.config);
    put(seed_.manifest);
    std::ofstream(layout + "/oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
    std::ofstream(layout + "/index.json")
        << nlohmann::json{{"schemaVersion", 2},
                          {"manifests", {{{"mediaType", image::media::kOciManifest},
                                          {"digest", image::sha256_of(seed_.manifest).str()},
                                          {"size", seed_.manifest.size()},
                                          {"annotations", {{"org.opencontainers.image.ref.name", "1"}}}}}}}
               .dump();
    const std::string from_skopeo = reg.host() + "/sk/from-skopeo:1";
    std::string skopeo = "skopeo --insecure-policy ";
    ASSERT_EQ(std::system((skopeo + "copy -q --dest-tls-verify=false oci:" + layout + ":1 docker://" + from_skopeo +
                           " >" + tmp_.path() + "/skopeo.log 2>&1")
                              .c_str()),
              0)
        << slurp(tmp_.path() + "/skopeo.log");
    std::string raw = run_capture(skopeo + "inspect --raw --tls-verify=false docker://" + from_skopeo);
    ASSERT_FALSE(raw.empty());

    Brig b(tmp_.path() + "/root-b", tmp_.path() + "/auth.json");
    auto pull = b({"pull", from_skopeo});
    ASSERT_EQ(pull.status, 0) << pull.err;
    auto store = image::Store::open(b.root());
    auto rec = store->find_image(from_skopeo);
    ASSERT_TRUE(rec) << rec.error().what();
    EXPECT_EQ(rec->manifest_digest, image::sha256_of(raw));
    EXPECT_EQ(rec->config_digest, image::sha256_of(seed_.config));
    ASSERT_EQ(rec->layers.size(), 2u);
    EXPECT_EQ(rec->layers[1].diff_id, image::sha256_of(seed_.layers[1].tar));

    // And back: brig pushes, skopeo reads the manifest and copies the image out (verifying blobs).
    const std::string from_brig = reg.host() + "/sk/from-brig:2";
    auto push = b({"push", from_skopeo, from_brig});
    ASSERT_EQ(push.status, 0) << push.err;
    std::string raw2 = run_capture(skopeo + "inspect --raw --tls-verify=false docker://" + from_brig);
    EXPECT_EQ(image::sha256_of(raw2), rec->manifest_digest);
    const std::string out = tmp_.path() + "/out";
    ASSERT_EQ(std::system((skopeo + "copy -q --src-tls-verify=false docker://" + from_brig + " oci:" + out + ":2 >" +
                           tmp_.path() + "/skopeo2.log 2>&1")
                              .c_str()),
              0)
        << slurp(tmp_.path() + "/skopeo2.log");
    EXPECT_TRUE(fs::exists(out + "/blobs/sha256/" + image::sha256_of(seed_.layers[0].gz).hex));
}

// ---- bearer tokens with the real registry: a token server in the test signs JWTs (RS256, x5c
// header) with a throwaway key whose certificate the registry trusts.

std::string base64url(std::string_view data) {
    std::string b = base64_encode(data);
    for (char& c : b) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (!b.empty() && b.back() == '=') b.pop_back();
    return b;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(char(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i] == '+' ? ' ' : s[i]);
        }
    }
    return out;
}

class TokenIssuer {
public:
    explicit TokenIssuer(const std::string& dir) : dir_(dir) {
        std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir + "/key.pem -out " + dir +
                          "/cert.pem -days 1 -subj /CN=brig-test-token 2>/dev/null && openssl x509 -in " + dir +
                          "/cert.pem -outform DER -out " + dir + "/cert.der";
        ok_ = std::system(cmd.c_str()) == 0;
        FILE* f = std::fopen((dir + "/key.pem").c_str(), "r");
        if (f != nullptr) {
            key_ = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
            std::fclose(f);
        }
        ok_ = ok_ && key_ != nullptr;
        cert_der_ = slurp(dir + "/cert.der");
    }
    ~TokenIssuer() { EVP_PKEY_free(key_); }
    TokenIssuer(const TokenIssuer&) = delete;
    TokenIssuer& operator=(const TokenIssuer&) = delete;
    bool ok() const { return ok_; }
    std::string cert_pem() const { return dir_ + "/cert.pem"; }

    std::string sign(const nlohmann::json& access) const {
        nlohmann::json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", {base64_encode(cert_der_)}}};
        auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        nlohmann::json claims = {{"iss", "brig-test-issuer"}, {"sub", "tester"},       {"aud", "brig-test-registry"},
                                 {"exp", now + 300},          {"nbf", now - 10},       {"iat", now - 10},
                                 {"jti", std::to_string(now) + "-" + std::to_string(counter_++)}, {"access", access}};
        std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        size_t len = 0;
        std::string sig;
        if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1) {
            sig.resize(len);
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size());
            sig.resize(len);
        }
        EVP_MD_CTX_free(ctx);
        return input + "." + base64url(sig);
    }

private:
    std::string dir_;
    bool ok_ = false;
    EVP_PKEY* key_ = nullptr;
    std::string cert_der_;
    mutable std::atomic<int> counter_{0};
};

TEST_F(RegistryIt, BearerTokenAuthWithARealRegistry) {
    if (std::system("command -v openssl >/dev/null") != 0) GTEST_SKIP() << "openssl is not installed";
    fs::create_directories(tmp_.path() + "/pki");
    TokenIssuer issuer(tmp_.path() + "/pki");
    ASSERT_TRUE(issuer.ok());
    std::atomic<int> token_requests{0};
    // The token server: bob/builder gets what he asks for; anyone else gets nothing.
    FakeHttpServer token_server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.path != "/token") {
            r.status = 404;
            return r;
        }
        ++token_requests;
        bool authed = req.header("authorization") == "Basic " + base64_encode("bob:builder");
        if (!req.header("authorization").empty() && !authed) {
            r.status = 401;
            r.body = R"({"details":"wrong user name or password"})";
            return r;
        }
        nlohmann::json access = nlohmann::json::array();
        size_t pos = 0;
        while (authed && (pos = req.query.find("scope=", pos)) != std::string::npos) {
            size_t end = req.query.find('&', pos);
            std::string scope = url_decode(req.query.substr(pos + 6, end == std::string::npos ? std::string::npos : end - pos - 6));
            pos += 6;
            // repository:NAME:ACTIONS
            size_t first = scope.find(':'), last = scope.rfind(':');
            if (first == std::string::npos || first == last) continue;
            nlohmann::json actions = nlohmann::json::array();
            std::stringstream ss(scope.substr(last + 1));
            for (std::string a; std::getline(ss, a, ',');) actions.push_back(a);
            access.push_back({{"type", scope.substr(0, first)}, {"name", scope.substr(first + 1, last - first - 1)}, {"actions", actions}});
        }
        std::string t = issuer.sign(access);
        r.body = nlohmann::json{{"token", t}, {"access_token", t}, {"expires_in", 300}}.dump();
        return r;
    });
    LocalRegistry reg(tmp_.path() + "/registry",
                      "auth:\n  token:\n    realm: " + token_server.base() + "/token\n    service: brig-test-registry\n"
                      "    issuer: brig-test-issuer\n    rootcertbundle: " + issuer.cert_pem() + "\n");
    ASSERT_TRUE(reg.up()) << reg.log();
    std::string authfile = tmp_.path() + "/auth.json";
    Brig a(tmp_.path() + "/root-a", authfile);
    Brig b(tmp_.path() + "/root-b", authfile);
    store_seed(a.root(), seed_, "localhost/it/seed:1");
    const std::string dest = reg.host() + "/tok/app:1";

    auto anon = a({"push", "localhost/it/seed:1", dest});
    EXPECT_NE(anon.status, 0);
    EXPECT_NE(anon.err.find("unauthorized"), std::string::npos) << anon.err;

    auto wrong = a({"login", "-u", "bob", "-p", "nope", reg.host()});
    EXPECT_NE(wrong.status, 0);
    EXPECT_NE(wrong.err.find("wrong user name or password"), std::string::npos) << wrong.err;

    auto login = a({"login", "-u", "bob", "--password-stdin", reg.host()}, "builder");
    ASSERT_EQ(login.status, 0) << login.err;
    auto push = a({"push", "localhost/it/seed:1", dest});
    ASSERT_EQ(push.status, 0) << push.err << reg.log();
    auto pull = b({"pull", dest});
    ASSERT_EQ(pull.status, 0) << pull.err << reg.log();
    auto store = image::Store::open(b.root());
    auto rec = store->find_image(dest);
    ASSERT_TRUE(rec) << rec.error().what();
    EXPECT_EQ(rec->manifest_digest, image::sha256_of(seed_.manifest));
    EXPECT_GT(token_requests.load(), 2);
}

// A registry serving TLS with a self-signed certificate: refused by default (naming the cause),
// used with --tls-verify=false. (Plain http for local registries is what the other tests use.)
TEST_F(RegistryIt, SelfSignedTlsNeedsTlsVerifyFalse) {
    if (std::system("command -v openssl >/dev/null") != 0) GTEST_SKIP() << "openssl is not installed";
    fs::create_directories(tmp_.path() + "/pki");
    TokenIssuer pki(tmp_.path() + "/pki");  // only for its key and certificate
    ASSERT_TRUE(pki.ok());
    LocalRegistry reg(tmp_.path() + "/registry", "  tls:\n    certificate: " + pki.cert_pem() + "\n    key: " +
                                                     tmp_.path() + "/pki/key.pem\n");
    ASSERT_TRUE(reg.up()) << reg.log();
    Brig a(tmp_.path() + "/root-a", tmp_.path() + "/auth.json");
    store_seed(a.root(), seed_, "localhost/it/seed:1");
    const std::string dest = reg.host() + "/tls/app:1";
    auto refused = a({"push", "localhost/it/seed:1", dest});
    EXPECT_NE(refused.status, 0);
    EXPECT_NE(refused.err.find("--tls-verify=false"), std::string::npos) << refused.err;
    auto push = a({"push", "--tls-verify=false", "localhost/it/seed:1", dest});
    ASSERT_EQ(push.status, 0) << push.err << reg.log();
    Brig b(tmp_.path() + "/root-b", tmp_.path() + "/auth.json");
    auto pull = b({"pull", "--tls-verify=false", dest});
    ASSERT_EQ(pull.status, 0) << pull.err;
    auto store = image::Store::open(b.root());
    auto rec = store->find_image(dest);
    ASSERT_TRUE(rec) << rec.error().what();
    EXPECT_EQ(rec->manifest_digest, image::sha256_of(seed_.manifest));
}

// A slow fake registry: the first layer download crawls, brig is killed in the middle of it,
// the next pull continues from the partial blob with a Range request.
TEST_F(RegistryIt, PullKilledMidLayerResumesWithRange) {
    const Layer& big = seed_.layers[0];
    const std::string big_digest = image::sha256_of(big.gz).str();
    std::atomic<bool> slow{true};
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        auto blob = [&](const std::string& body) {
            std::string range = req.header("range");
            if (range.starts_with("bytes=")) {
                size_t from = std::stoul(range.substr(6));
                r.status = 206;
                r.body = body.substr(from);
                r.headers.push_back(
                    {"Content-Range", "bytes " + std::to_string(from) + "-" + std::to_string(body.size() - 1) + "/" +
                                          std::to_string(body.size())});
            } else {
                r.body = body;
            }
            return r;
        };
        if (req.path == "/v2/slow/app/manifests/1") {
            r.headers.push_back({"Content-Type", std::string(image::media::kOciManifest)});
            r.body = seed_.manifest;
            return r;
        }
        if (req.path == "/v2/slow/app/blobs/" + image::sha256_of(seed_.config).str()) return blob(seed_.config);
        for (const auto& l : seed_.layers) {
            if (req.path == "/v2/slow/app/blobs/" + image::sha256_of(l.gz).str()) {
                blob(l.gz);
                if (&l == &big && slow.load()) {
                    r.chunk = 16384;
                    r.chunk_delay_ms = 40;
                }
                return r;
            }
        }
        if (req.path != "/v2/") r.status = 404;
        return r;
    });
    Brig b(tmp_.path() + "/root", tmp_.path() + "/auth.json");
    const std::string ref = server.host() + "/slow/app:1";
    pid_t pid = b.start({"pull", "--max-concurrent-downloads", "1", ref});
    // Wait until the big layer has been streaming for a while, then kill brig.
    bool started = false;
    for (int i = 0; i < 400 && !started; ++i) {
        for (const auto& r : server.requests()) started |= r.path.ends_with(big_digest);
        if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(started);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    ::kill(pid, SIGKILL);
    auto killed = b.wait(pid);
    EXPECT_EQ(killed.status, 128 + SIGKILL) << killed.err;

    // No image, no blob for the half-downloaded layer.
    {
        auto store = image::Store::open(b.root());
        ASSERT_TRUE(store);
        EXPECT_FALSE(store->has_blob(*image::Digest::parse(big_digest)));
        EXPECT_FALSE(store->find_image(ref));
    }
    slow = false;
    auto resumed = b({"pull", ref});
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    std::string range;
    for (const auto& r : server.requests()) {
        if (r.path.ends_with(big_digest) && !r.header("range").empty()) range = r.header("range");
    }
    ASSERT_FALSE(range.empty()) << "the second pull downloaded the layer from the start";
    size_t from = std::stoul(range.substr(6));
    EXPECT_GT(from, 0u);
    EXPECT_LT(from, big.gz.size());
    auto store = image::Store::open(b.root());
    auto rec = store->find_image(ref);
    ASSERT_TRUE(rec) << rec.error().what();
    EXPECT_TRUE(slurp(store->blob_path(*image::Digest::parse(big_digest))) == big.gz);
    EXPECT_EQ(slurp(store->layer_diff(image::sha256_of(big.tar)) + "/etc/hello"), "hello from layer one\n");
}

}  // namespace
}  // namespace brig::registry
