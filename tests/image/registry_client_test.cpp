// The registry client against a fake registry on loopback: bearer and basic auth, manifest
// digest checks, a blob download cut half-way and resumed with Range, a tampered blob refused,
// and a whole pull (index -> platform manifest -> config -> layer unpacked) with a cut layer.
#include "image/registry/client.hpp"
#include "image/registry/pull.hpp"
#include "image/store.hpp"
#include "registry_fake_server.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace brig::registry {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;
namespace fs = std::filesystem;

std::string blob_body(size_t n, char seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = char(seed + (i * 131) % 251);
    return s;
}

// Serves a blob with Range support; `cut_first` cuts the first full-body response half-way.
FakeResponse serve_blob(const FakeRequest& req, const std::string& body, std::atomic<int>* cut_first) {
    FakeResponse r;
    std::string range = req.header("range");
    if (range.starts_with("bytes=")) {
        size_t from = std::stoul(range.substr(6));
        r.status = 206;
        r.body = body.substr(from);
        r.headers.push_back({"Content-Range", fmt::format("bytes {}-{}/{}", from, body.size() - 1, body.size())});
        return r;
    }
    r.body = body;
    if (cut_first != nullptr && cut_first->fetch_sub(1) > 0) r.cut_after = body.size() / 2;
    return r;
}

class TempDir {
public:
    TempDir() {
        std::string t = (fs::temp_directory_path() / "brig-regtest-XXXXXX").string();
        path_ = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

TEST(RegistryClient, BearerTokenFlow) {
    const std::string manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})";
    std::string realm;
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.path == "/token") {
            // The scope and service the client asks for, and the token.
            if (req.query.find("service=fake-registry") == std::string::npos ||
                req.query.find("scope=repository%3Ateam%2Fapp%3Apull") == std::string::npos) {
                r.status = 400;
                return r;
            }
            r.body = R"({"token":"T0K3N","expires_in":300})";
            return r;
        }
        if (req.header("authorization") != "Bearer T0K3N") {
            r.status = 401;
            r.headers.push_back({"WWW-Authenticate", fmt::format(R"(Bearer realm="{}",service="fake-registry")", realm)});
            r.body = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
            return r;
        }
        if (req.path == "/v2/team/app/manifests/v1") {
            r.headers.push_back({"Content-Type", "application/vnd.oci.image.manifest.v1+json"});
            r.body = manifest;
            return r;
        }
        r.status = 404;
        r.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
        return r;
    });
    realm = server.base() + "/token";
    RegistryClient client(server.host(), {});
    auto m = client.get_manifest("team/app", "v1");
    ASSERT_TRUE(m) << m.error().what();
    EXPECT_EQ(m->body, manifest);
    EXPECT_EQ(m->media_type, "application/vnd.oci.image.manifest.v1+json");
    EXPECT_EQ(m->digest, image::sha256_of(manifest));
    // The Accept header lists all four manifest kinds.
    bool saw_accept = false;
    for (const auto& r : server.requests()) {
        if (r.path == "/v2/team/app/manifests/v1" && r.header("accept").find("manifest.list.v2+json") != std::string::npos &&
            r.header("accept").find("image.index.v1+json") != std::string::npos) {
            saw_accept = true;
        }
    }
    EXPECT_TRUE(saw_accept);
    // The token is reused: a second request costs no new token.
    size_t tokens_before = 0;
    for (const auto& r : server.requests()) tokens_before += r.path == "/token";
    ASSERT_TRUE(client.get_manifest("team/app", "v1"));
    size_t tokens_after = 0;
    for (const auto& r : server.requests()) tokens_after += r.path == "/token";
    EXPECT_EQ(tokens_before, tokens_after);

    auto missing = client.get_manifest("team/app", "nope");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().what().find("MANIFEST_UNKNOWN"), std::string::npos) << missing.error().what();
}

TEST(RegistryClient, TokenServerNeedsCredentials) {
    std::string realm;
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.path == "/token") {
            if (req.header("authorization") != "Basic " + base64_encode("alice:pw")) {
                r.status = 401;
                r.body = R"({"details":"incorrect username or password"})";
                return r;
            }
            r.body = R"({"access_token":"AT"})";
            return r;
        }
        if (req.header("authorization") != "Bearer AT") {
            r.status = 401;
            r.headers.push_back({"WWW-Authenticate", fmt::format(R"(Bearer realm="{}",service="s")", realm)});
            return r;
        }
        r.body = "{}";
        return r;
    });
    realm = server.base() + "/token";
    auto tmp = TempDir();
    ClientOptions anon;
    anon.auth_file = tmp.path() + "/none.json";  // no credentials anywhere
    auto refused = RegistryClient(server.host(), anon).ping();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().what().find("brig login"), std::string::npos) << refused.error().what();

    ClientOptions wrong;
    wrong.credentials = Credentials{"alice", "bad", {}};
    auto bad = RegistryClient(server.host(), wrong).ping();
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().what().find("incorrect username or password"), std::string::npos) << bad.error().what();

    ClientOptions right;
    right.credentials = Credentials{"alice", "pw", {}};
    auto ok = RegistryClient(server.host(), right).ping();
    EXPECT_TRUE(ok) << ok.error().what();
}

TEST(RegistryClient, BasicAuthFromAuthFile) {
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.header("authorization") != "Basic " + base64_encode("bob:hunter2")) {
            r.status = 401;
            r.headers.push_back({"WWW-Authenticate", R"(Basic realm="fake")"});
            return r;
        }
        r.body = "{}";
        return r;
    });
    TempDir tmp;
    std::string file = tmp.path() + "/auth.json";
    ClientOptions opts;
    opts.auth_file = file;
    auto none = RegistryClient(server.host(), opts).ping();
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().what().find("authentication required"), std::string::npos) << none.error().what();

    std::ofstream(file) << nlohmann::json{{"auths", {{server.host(), {{"auth", base64_encode("bob:hunter2")}}}}}}.dump();
    auto ok = RegistryClient(server.host(), opts).ping();
    EXPECT_TRUE(ok) << ok.error().what();
}

TEST(RegistryClient, ManifestDigestMismatchIsRefused) {
    FakeHttpServer server([&](const FakeRequest&) {
        FakeResponse r;
        r.headers.push_back({"Content-Type", "application/vnd.oci.image.manifest.v1+json"});
        r.body = R"({"schemaVersion":2})";
        return r;
    });
    RegistryClient client(server.host(), {});
    auto other = image::sha256_of("something else");
    auto m = client.get_manifest("a/b", other.str());
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().what().find("digest mismatch"), std::string::npos) << m.error().what();
}

TEST(RegistryClient, BlobDownloadCutHalfWayResumesWithRange) {
    const std::string body = blob_body(300000, 'a');
    const auto digest = image::sha256_of(body);
    std::atomic<int> cuts{1};
    FakeHttpServer server([&](const FakeRequest& req) {
        if (req.path == "/v2/a/b/blobs/" + digest.str()) return serve_blob(req, body, &cuts);
        FakeResponse r;
        if (req.path != "/v2/") r.status = 404;
        return r;
    });
    TempDir tmp;
    auto store = image::Store::open(tmp.path());
    ASSERT_TRUE(store) << store.error().what();
    RegistryClient client(server.host(), {});
    image::SourceOpener opener = [&](uint64_t offset) { return client.open_blob("a/b", digest, offset); };
    auto got = store->ingest_blob(opener, digest, int64_t(body.size()));
    ASSERT_TRUE(got) << got.error().what();
    EXPECT_EQ(*got, digest);
    EXPECT_TRUE(*store->read_blob(digest) == body);
    // The second GET asked for the rest only.
    std::vector<std::string> ranges;
    for (const auto& r : server.requests()) {
        if (r.path.find("/blobs/") != std::string::npos) ranges.push_back(r.header("range"));
    }
    ASSERT_EQ(ranges.size(), 2u);
    EXPECT_EQ(ranges[0], "");
    EXPECT_TRUE(ranges[1].starts_with("bytes=")) << ranges[1];
    EXPECT_NE(ranges[1], "bytes=0-");
}

TEST(RegistryClient, RangeIgnoredByServerStillResumesCorrectly) {
    // A server that ignores Range and sends the whole body again: the client skips what it has.
    const std::string body = blob_body(200000, 'q');
    const auto digest = image::sha256_of(body);
    std::atomic<int> cuts{1};
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.path.find("/blobs/") != std::string::npos) {
            r.body = body;
            if (cuts.fetch_sub(1) > 0) r.cut_after = body.size() / 3;
        }
        return r;
    });
    RegistryClient client(server.host(), {});
    auto first = client.open_blob("a/b", digest, 0);
    ASSERT_TRUE(first) << first.error().what();
    std::string got;
    std::vector<std::byte> buf(8192);
    while (true) {
        auto n = (*first)->read(buf);
        if (!n) break;  // the cut
        ASSERT_GT(*n, 0u) << "a cut body must not look like a clean end";
        got.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    ASSERT_LT(got.size(), body.size());
    auto rest = client.open_blob("a/b", digest, got.size());
    ASSERT_TRUE(rest) << rest.error().what();
    while (true) {
        auto n = (*rest)->read(buf);
        ASSERT_TRUE(n) << n.error().what();
        if (*n == 0) break;
        got.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    EXPECT_EQ(got.size(), body.size());
    EXPECT_TRUE(got == body) << "resumed content differs";
}

TEST(RegistryClient, TamperedBlobIsRefusedAndNotKept) {
    const std::string body = blob_body(50000, 'x');
    const auto digest = image::sha256_of(body);
    std::string tampered = body;
    tampered[1234] ^= 1;
    FakeHttpServer server([&](const FakeRequest& req) {
        if (req.path.find("/blobs/") != std::string::npos) return serve_blob(req, tampered, nullptr);
        return FakeResponse{};
    });
    TempDir tmp;
    auto store = image::Store::open(tmp.path());
    ASSERT_TRUE(store);
    RegistryClient client(server.host(), {});
    image::SourceOpener opener = [&](uint64_t offset) { return client.open_blob("a/b", digest, offset); };
    auto got = store->ingest_blob(opener, digest, int64_t(body.size()));
    ASSERT_FALSE(got);
    EXPECT_FALSE(store->has_blob(digest));
    auto small = client.get_blob("a/b", digest, 1 << 20);
    ASSERT_FALSE(small);
    EXPECT_NE(small.error().what().find("digest mismatch"), std::string::npos) << small.error().what();
}

// ---- a whole pull from a fake registry

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

struct FakeImage {
    std::string layer_tar;
    std::string layer_gz;
    std::string config;
    std::string manifest;
    std::string index;
};

FakeImage make_image(const std::string& dir) {
    FakeImage img;
    fs::create_directories(dir + "/rootfs/etc");
    std::ofstream(dir + "/rootfs/etc/hello") << "hello from a registry layer\n";
    std::ofstream(dir + "/rootfs/big") << blob_body(400000, 'z');
    img.layer_tar = run_capture("tar -C " + dir + "/rootfs --numeric-owner --owner=0 --group=0 -cf - etc big");
    img.layer_gz = run_capture("tar -C " + dir + "/rootfs --numeric-owner --owner=0 --group=0 -cf - etc big | gzip -1n");
    auto host = image::Platform::host();
    img.config = nlohmann::json{{"architecture", host.architecture},
                                {"os", "linux"},
                                {"config", {{"Cmd", {"/bin/sh"}}}},
                                {"rootfs", {{"type", "layers"}, {"diff_ids", {image::sha256_of(img.layer_tar).str()}}}}}
                     .dump();
    img.manifest = nlohmann::json{
        {"schemaVersion", 2},
        {"mediaType", image::media::kDockerManifest},
        {"config", {{"mediaType", image::media::kDockerConfig},
                    {"digest", image::sha256_of(img.config).str()},
                    {"size", img.config.size()}}},
        {"layers", {{{"mediaType", image::media::kDockerLayerGzip},
                     {"digest", image::sha256_of(img.layer_gz).str()},
                     {"size", img.layer_gz.size()}}}}}
                       .dump();
    img.index = nlohmann::json{
        {"schemaVersion", 2},
        {"mediaType", image::media::kDockerList},
        {"manifests",
         {{{"mediaType", image::media::kDockerManifest},
           {"digest", image::sha256_of("not this one").str()},
           {"size", 10},
           {"platform", {{"architecture", "s390x"}, {"os", "linux"}}}},
          {{"mediaType", image::media::kDockerManifest},
           {"digest", image::sha256_of(img.manifest).str()},
           {"size", img.manifest.size()},
           {"platform", {{"architecture", host.architecture}, {"os", "linux"}, {"variant", host.variant}}}}}}}
                    .dump();
    return img;
}

TEST(RegistryPull, IndexToLayerWithACutLayerDownload) {
    TempDir tmp;
    FakeImage img = make_image(tmp.path() + "/src");
    ASSERT_GT(img.layer_gz.size(), 1000u);
    std::atomic<int> cuts{1};
    std::string realm;
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.path == "/token") {
            r.body = R"({"token":"tok"})";
            return r;
        }
        if (req.header("authorization") != "Bearer tok") {
            r.status = 401;
            r.headers.push_back({"WWW-Authenticate", fmt::format(R"(Bearer realm="{}",service="fake")", realm)});
            return r;
        }
        auto doc = [&](std::string_view type, const std::string& body) {
            r.headers.push_back({"Content-Type", std::string(type)});
            r.headers.push_back({"Docker-Content-Digest", image::sha256_of(body).str()});
            r.body = body;
            return r;
        };
        if (req.path == "/v2/lib/app/manifests/1.0") return doc(image::media::kDockerList, img.index);
        if (req.path == "/v2/lib/app/manifests/" + image::sha256_of(img.manifest).str()) {
            return doc(image::media::kDockerManifest, img.manifest);
        }
        if (req.path == "/v2/lib/app/blobs/" + image::sha256_of(img.config).str()) return serve_blob(req, img.config, nullptr);
        if (req.path == "/v2/lib/app/blobs/" + image::sha256_of(img.layer_gz).str()) return serve_blob(req, img.layer_gz, &cuts);
        if (req.path == "/v2/") return r;
        r.status = 404;
        return r;
    });
    realm = server.base() + "/token";
    auto store = image::Store::open(tmp.path() + "/store");
    ASSERT_TRUE(store) << store.error().what();
    auto ref = image::parse_reference(server.host() + "/lib/app:1.0");
    ASSERT_TRUE(ref) << ref.error().what();
    PullOptions opts;
    opts.progress = nullptr;
    auto rec = pull_image(*store, *ref, opts);
    ASSERT_TRUE(rec) << rec.error().what();
    EXPECT_EQ(rec->manifest_digest, image::sha256_of(img.manifest));
    EXPECT_EQ(rec->config_digest, image::sha256_of(img.config));
    ASSERT_EQ(rec->layers.size(), 1u);
    auto diff_id = image::sha256_of(img.layer_tar);
    EXPECT_TRUE(store->has_layer(diff_id));
    std::ifstream hello(store->layer_diff(diff_id) + "/etc/hello");
    std::string line;
    std::getline(hello, line);
    EXPECT_EQ(line, "hello from a registry layer");
    ASSERT_EQ(rec->repo_digests.size(), 1u);
    EXPECT_EQ(rec->repo_digests[0], ref->repository() + "@" + image::sha256_of(img.index).str());
    auto found = store->find_image(ref->str());
    EXPECT_TRUE(found) << found.error().what();
    // The layer download was cut once and resumed with a Range request.
    int range_requests = 0;
    for (const auto& r : server.requests()) range_requests += !r.header("range").empty();
    EXPECT_EQ(range_requests, 1);

    // A second pull downloads no blob.
    size_t before = server.requests().size();
    auto again = pull_image(*store, *ref, opts);
    ASSERT_TRUE(again) << again.error().what();
    for (size_t i = before; i < server.requests().size(); ++i) {
        EXPECT_EQ(server.requests()[i].path.find("/blobs/"), std::string::npos) << server.requests()[i].path;
    }

    // A platform the index lacks: a clear error naming it.
    auto other = image::parse_reference(server.host() + "/lib/app:1.0");
    opts.platform = *image::Platform::parse("linux/ppc64le");
    TempDir tmp2;
    auto store2 = image::Store::open(tmp2.path());
    auto none = pull_image(*store2, *other, opts);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().what().find("ppc64le"), std::string::npos) << none.error().what();
}

TEST(RegistryPull, TamperedLayerFailsAndNothingIsKept) {
    TempDir tmp;
    FakeImage img = make_image(tmp.path() + "/src");
    std::string bad_gz = run_capture("printf 'evil' | gzip -1n");
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.path == "/v2/x/y/manifests/t") {
            r.headers.push_back({"Content-Type", std::string(image::media::kDockerManifest)});
            r.body = img.manifest;
            return r;
        }
        if (req.path == "/v2/x/y/blobs/" + image::sha256_of(img.config).str()) return serve_blob(req, img.config, nullptr);
        if (req.path == "/v2/x/y/blobs/" + image::sha256_of(img.layer_gz).str()) return serve_blob(req, bad_gz, nullptr);
        if (req.path != "/v2/") r.status = 404;
        return r;
    });
    auto store = image::Store::open(tmp.path() + "/store");
    ASSERT_TRUE(store);
    auto ref = image::parse_reference(server.host() + "/x/y:t");
    PullOptions opts;
    opts.progress = nullptr;
    auto rec = pull_image(*store, *ref, opts);
    ASSERT_FALSE(rec);
    EXPECT_FALSE(store->has_blob(image::sha256_of(img.layer_gz)));
    EXPECT_FALSE(store->has_layer(image::sha256_of(img.layer_tar)));
    EXPECT_FALSE(store->find_image(ref->str()));
}


// Blobs over the chunk size go POST, PATCH per chunk (Content-Range first-last, following each
// Location), then an empty PUT ?digest=; smaller ones in one PUT.
TEST(RegistryClient, LargeBlobsAreUploadedInChunks) {
    std::mutex mu;
    std::vector<std::string> log;
    std::string received;
    FakeHttpServer server([&](const FakeRequest& req) {
        std::lock_guard lock(mu);
        FakeResponse r;
        if (req.path == "/v2/") return r;
        log.push_back(req.method + " " + req.target + " " + req.header("content-range") + " " +
                      std::to_string(req.body.size()));
        if (req.method == "POST") {
            r.status = 202;
            r.headers = {{"Location", "/v2/r/blobs/uploads/u?n=0"}};
        } else if (req.method == "PATCH") {
            received += req.body;
            r.status = 202;
            r.headers = {{"Location", "/v2/r/blobs/uploads/u?n=" + std::to_string(log.size())},
                         {"Range", "0-" + std::to_string(received.size() - 1)}};
        } else if (req.method == "PUT") {
            received += req.body;
            r.status = 201;
        }
        return r;
    });
    std::string blob(2500, 'x');
    for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 7);
    ClientOptions opts;
    opts.upload_chunk_size = 1000;
    RegistryClient client(server.host(), opts);
    image::MemorySource src(blob);
    auto digest = image::sha256_of(blob);
    auto r = client.upload_blob("r", digest, static_cast<int64_t>(blob.size()), src);
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(received, blob);
    std::vector<std::string> want = {
        "POST /v2/r/blobs/uploads/  0",
        "PATCH /v2/r/blobs/uploads/u?n=0 0-999 1000",
        "PATCH /v2/r/blobs/uploads/u?n=2 1000-1999 1000",
        "PATCH /v2/r/blobs/uploads/u?n=3 2000-2499 500",
        "PUT /v2/r/blobs/uploads/u?n=4&digest=" + digest.str() + "  0",
    };
    // The digest's ':' may be percent-encoded.
    ASSERT_EQ(log.size(), want.size());
    for (size_t i = 0; i + 1 < want.size(); ++i) EXPECT_EQ(log[i], want[i]);
    EXPECT_TRUE(log.back().starts_with("PUT /v2/r/blobs/uploads/u?n=4&digest=sha256")) << log.back();

    // At the chunk size or below: one PUT with the whole body.
    log.clear();
    received.clear();
    std::string small(1000, 's');
    image::MemorySource small_src(small);
    auto r2 = client.upload_blob("r", image::sha256_of(small), 1000, small_src);
    ASSERT_TRUE(r2) << r2.error().what();
    ASSERT_EQ(log.size(), 2u);
    EXPECT_TRUE(log[1].starts_with("PUT ")) << log[1];
    EXPECT_TRUE(log[1].ends_with(" 1000")) << log[1];
    EXPECT_EQ(received, small);
}

TEST(RegistryClient, ChunkTheRegistryDidNotKeepFailsThePush) {
    FakeHttpServer server([&](const FakeRequest& req) {
        FakeResponse r;
        if (req.path == "/v2/") return r;
        r.status = req.method == "POST" ? 202 : req.method == "PATCH" ? 202 : 201;
        r.headers = {{"Location", "/v2/r/blobs/uploads/u"}};
        if (req.method == "PATCH") r.headers.push_back({"Range", "0-10"});  // always claims 11 bytes
        return r;
    });
    ClientOptions opts;
    opts.upload_chunk_size = 100;
    RegistryClient client(server.host(), opts);
    std::string blob(250, 'b');
    image::MemorySource src(blob);
    auto r = client.upload_blob("r", image::sha256_of(blob), 250, src);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().what().find("holds bytes 0-10"), std::string::npos) << r.error().what();
}
}  // namespace
}  // namespace brig::registry
