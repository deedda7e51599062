// The content-addressed store: blobs (verified ingest), layers (unpacked once), leases and GC.
// Image records live in image_records.cpp.
#include "image/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "image/decompress.hpp"
#include "image/fsutil.hpp"
#include "image/unpack.hpp"
#include "common/flock.hpp"
#include "common/ids.hpp"
#include "common/scope.hpp"
#include "linux/fs.hpp"

namespace brig::image {

using namespace fsutil;

namespace {

constexpr int kSourceRetries = 3;

// The bytes of a blob being ingested: first whatever an earlier, interrupted ingest left in the
// partial file (replayed from disk), then the opener's stream from that offset on, each new byte
// appended to the partial file. A failing stream is reopened at the offset reached.
class ResumingSource : public ByteSource {
public:
    ResumingSource(int file_fd, uint64_t existing, const SourceOpener& opener, int64_t expected_size,
                   const Progress& progress)
        : fd_(file_fd), existing_(existing), opener_(opener), expected_size_(expected_size), progress_(progress) {}

    Result<size_t> read(std::span<std::byte> buf) override {
        if (buf.empty()) return 0;
        if (pos_ < existing_) {
            size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), existing_ - pos_));
            ssize_t n = ::pread(fd_, buf.data(), want, static_cast<off_t>(pos_));
            if (n < 0) return sys_fail("read partial blob");
            if (n == 0) return fail("partial blob shrank while being read");
            return advance(static_cast<size_t>(n));
        }
        if (expected_size_ >= 0 && pos_ >= static_cast<uint64_t>(expected_size_)) {
            // Everything expected is here; do not even open a stream for nothing.
            if (!src_) return 0;
        }
        for (int attempt = 0;; ++attempt) {
            if (!src_) {
                auto s = opener_(pos_);
                if (!s) {
                    if (attempt < kSourceRetries && pos_ > existing_) continue;
                    source_failed_ = true;
                    return std::unexpected(std::move(s.error()));
                }
                src_ = std::move(*s);
                opened_at_ = pos_;
            }
            auto n = src_->read(buf);
            if (!n) {
                // Retry from where we are only if the stream made progress since it was opened.
                if (attempt < kSourceRetries && pos_ > opened_at_) {
                    src_.reset();
                    continue;
                }
                source_failed_ = true;
                return std::unexpected(std::move(n.error()));
            }
            if (*n == 0) return 0;
            if (expected_size_ >= 0 && pos_ + *n > static_cast<uint64_t>(expected_size_))
                return fail("blob is larger than its descriptor's size {}", expected_size_);
            if (auto w = write_all(fd_, buf.data(), *n, "partial blob"); !w) return std::unexpected(w.error());
            return advance(*n);
        }
    }
    uint64_t pos() const { return pos_; }
    // Did the stream itself fail (network)? Then the bytes so far are worth keeping for a resume;
    // any other failure (corrupt compression, a refused tar) would only repeat on a replay.
    bool source_failed() const { return source_failed_; }

private:
    Result<size_t> advance(size_t n) {
        pos_ += n;
        if (progress_) progress_(pos_);
        return n;
    }
    int fd_;
    uint64_t existing_;
    const SourceOpener& opener_;
    int64_t expected_size_;
    const Progress& progress_;
    uint64_t pos_ = 0;
    uint64_t opened_at_ = 0;
    std::unique_ptr<ByteSource> src_;
    bool source_failed_ = false;
};

Result<uint64_t> file_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) < 0) return sys_fail("stat");
    return static_cast<uint64_t>(st.st_size);
}

// A source that owns a chain (file -> decompressor).
class OwnedChain : public ByteSource {
public:
    explicit OwnedChain(UniqueFd fd) : file_(std::move(fd)), dec_(make_decompressor(file_)) {}
    Result<size_t> read(std::span<std::byte> buf) override { return dec_->read(buf); }

private:
    FdSource file_;
    std::unique_ptr<ByteSource> dec_;
};

Result<std::string> read_small(const std::string& path) { return linuxfs::read_file(path); }

}  // namespace

Result<Store> Store::open(std::string root) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (root.empty()) return fail("store root is empty");
    Store s(root);
    if (auto r = mkdirs(root, 0711); !r) return wrap(std::move(r), "create store");
    for (const char* sub : {"/blobs/sha256", "/layers/sha256", "/layers/l", "/ingest", "/tmp"}) {
        if (auto r = mkdirs(root + sub, 0700); !r) return wrap(std::move(r), "create store");
    }
    return s;
}

Result<StoreLease> Store::lease() const {
    auto fd = lock_file(root_ + "/store.lock", LockMode::Shared);
    if (!fd) return std::unexpected(std::move(fd.error()));
    return StoreLease(std::move(*fd));
}

std::string Store::blob_path(const Digest& d) const { return fmt::format("{}/blobs/{}/{}", root_, d.algorithm, d.hex); }

bool Store::has_blob(const Digest& d) const { return ::access(blob_path(d).c_str(), F_OK) == 0; }

Result<int64_t> Store::blob_size(const Digest& d) const {
    struct stat st {};
    if (::stat(blob_path(d).c_str(), &st) < 0) return sys_fail("blob {}", d.str());
    return static_cast<int64_t>(st.st_size);
}

Result<UniqueFd> Store::open_blob(const Digest& d) const {
    UniqueFd fd(::open(blob_path(d).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_fail("blob {}", d.str());
    return fd;
}

Result<std::string> Store::read_blob(const Digest& d, size_t limit) const {
    auto fd = open_blob(d);
    if (!fd) return std::unexpected(std::move(fd.error()));
    FdSource src(std::move(*fd));
    auto data = read_all(src, limit);
    if (!data) return wrap(std::move(data), fmt::format("read blob {}", d.str()));
    return data;
}

// Move a verified temp file into blobs/ (read-only, durable). The file is fsync'd first.
static Result<void> commit_blob_file(const std::string& root, int fd, const std::string& tmp, const Digest& d) {
    if (::fsync(fd) < 0) return sys_fail("fsync blob {}", d.str());
    ::fchmod(fd, 0444);
    std::string dest = fmt::format("{}/blobs/{}/{}", root, d.algorithm, d.hex);
    if (::rename(tmp.c_str(), dest.c_str()) < 0) return sys_fail("store blob {}", d.str());
    return fsync_dir(fmt::format("{}/blobs/{}", root, d.algorithm));
}

Result<Digest> Store::put_blob(std::string_view data, const std::optional<Digest>& expected) const {
    auto lease_fd = lease();
    if (!lease_fd) return std::unexpected(std::move(lease_fd.error()));
    Digest d = sha256_of(data);
    if (expected && *expected != d)
        return fail("digest mismatch: expected {}, got {} ({} bytes)", expected->str(), d.str(), data.size());
    if (has_blob(d)) return d;
    std::string tmp;
    auto fd = temp_file(root_ + "/ingest", "put-", tmp);
    if (!fd) return std::unexpected(std::move(fd.error()));
    ScopeGuard cleanup([&] { ::unlink(tmp.c_str()); });
    if (auto r = write_all(fd->get(), data.data(), data.size(), "blob"); !r) return std::unexpected(r.error());
    if (auto r = commit_blob_file(root_, fd->get(), tmp, d); !r) return std::unexpected(r.error());
    cleanup.dismiss();
    return d;
}

Result<Digest> Store::ingest_blob(ByteSource& src, const std::optional<Digest>& expected, int64_t size) const {
    auto lease_fd = lease();
    if (!lease_fd) return std::unexpected(std::move(lease_fd.error()));
    if (expected && has_blob(*expected)) {
        if (auto r = drain(src); !r) return std::unexpected(std::move(r.error()));
        return *expected;
    }
    std::string tmp;
    auto fd = temp_file(root_ + "/ingest", "blob-", tmp);
    if (!fd) return std::unexpected(std::move(fd.error()));
    ScopeGuard cleanup([&] { ::unlink(tmp.c_str()); });
    HashingSource h(src);
    std::vector<std::byte> buf(256 * 1024);
    for (;;) {
        auto n = h.read(buf);
        if (!n) return wrap(std::move(n), "ingest blob");
        if (*n == 0) break;
        if (size >= 0 && h.total() > static_cast<uint64_t>(size)) return fail("blob is larger than its descriptor's size {}", size);
        if (auto r = write_all(fd->get(), buf.data(), *n, "blob"); !r) return std::unexpected(r.error());
    }
    Digest d = h.finish();
    if (size >= 0 && h.total() != static_cast<uint64_t>(size))
        return fail("blob {}: size mismatch: expected {} bytes, got {}", expected ? expected->str() : d.str(), size, h.total());
    if (expected && *expected != d) return fail("digest mismatch: expected {}, got {}", expected->str(), d.str());
    if (!has_blob(d)) {
        if (auto r = commit_blob_file(root_, fd->get(), tmp, d); !r) return std::unexpected(r.error());
        cleanup.dismiss();
    }
    return d;
}

Result<Digest> Store::ingest_blob(const SourceOpener& opener, const Digest& expected, int64_t size,
                                  const Progress& progress) const {
    auto lease_fd = lease();
    if (!lease_fd) return std::unexpected(std::move(lease_fd.error()));
    if (has_blob(expected)) return expected;
    auto lock = lock_file(fmt::format("{}/ingest/{}.lock", root_, expected.hex));
    if (!lock) return std::unexpected(std::move(lock.error()));
    if (has_blob(expected)) return expected;  // a concurrent brig finished it while we waited
    std::string partial = fmt::format("{}/ingest/{}.partial", root_, expected.hex);
    UniqueFd fd(::open(partial.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!fd) return sys_fail("open {}", partial);
    auto existing = file_size(fd.get());
    if (!existing) return std::unexpected(existing.error());
    if (size >= 0 && *existing > static_cast<uint64_t>(size)) {
        if (::ftruncate(fd.get(), 0) < 0) return sys_fail("truncate {}", partial);
        *existing = 0;
    }
    ResumingSource src(fd.get(), *existing, opener, size, progress);
    HashingSource h(src);
    auto n = drain(h);
    if (!n) return wrap(std::move(n), fmt::format("ingest blob {}", expected.str()));
    Digest d = h.finish();
    if ((size >= 0 && h.total() != static_cast<uint64_t>(size)) || d != expected) {
        ::unlink(partial.c_str());  // corrupt: the next attempt starts over
        if (size >= 0 && h.total() != static_cast<uint64_t>(size))
            return fail("blob {}: size mismatch: expected {} bytes, got {}", expected.str(), size, h.total());
        return fail("digest mismatch: expected {}, got {}", expected.str(), d.str());
    }
    if (auto r = commit_blob_file(root_, fd.get(), partial, d); !r) return std::unexpected(r.error());
    return d;
}

// ---- layers

std::string Store::layer_path(const Digest& diff_id) const { return fmt::format("{}/layers/{}/{}", root_, diff_id.algorithm, diff_id.hex); }
std::string Store::layer_diff(const Digest& diff_id) const { return layer_path(diff_id) + "/diff"; }
std::string Store::links_dir() const { return root_ + "/layers/l"; }
bool Store::has_layer(const Digest& diff_id) const { return ::access((layer_path(diff_id) + "/diff").c_str(), F_OK) == 0; }

Result<LayerResult> Store::ingest_layer(const LayerIngest& in, ByteSource& src) const {
    // A one-shot stream from offset 0: when a partial ingest of this digest exists, the bytes the
    // store replays from disk are skipped here.
    bool used = false;
    SourceOpener once = [&](uint64_t offset) -> Result<std::unique_ptr<ByteSource>> {
        if (used) return fail("the layer stream cannot be reopened (at offset {})", offset);
        used = true;
        std::vector<std::byte> skip(64 * 1024);
        for (uint64_t left = offset; left > 0;) {
            auto n = src.read(std::span(skip).first(std::min<uint64_t>(skip.size(), left)));
            if (!n) return std::unexpected(std::move(n.error()));
            if (*n == 0) return fail("layer stream shorter than the partial blob");
            left -= *n;
        }
        struct Borrowed : ByteSource {
            ByteSource& s;
            explicit Borrowed(ByteSource& x) : s(x) {}
            Result<size_t> read(std::span<std::byte> b) override { return s.read(b); }
        };
        return std::make_unique<Borrowed>(src);
    };
    return ingest_layer(in, once, {});
}

Result<LayerResult> Store::ingest_layer(const LayerIngest& in, const SourceOpener& opener, const Progress& progress) const {
    auto lease_fd = lease();
    if (!lease_fd) return std::unexpected(std::move(lease_fd.error()));
    auto present = [&]() -> std::optional<LayerResult> {
        if (in.digest && in.diff_id && has_blob(*in.digest) && has_layer(*in.diff_id)) {
            LayerResult r{*in.digest, *in.diff_id, 0, 0, true};
            auto sz = blob_size(*in.digest);
            r.size = sz ? *sz : 0;
            return r;
        }
        return std::nullopt;
    };
    if (auto p = present()) return *p;

    // Serialize ingests of the same blob; the partial file of a known digest is resumable.
    UniqueFd lock;
    std::string partial;
    UniqueFd fd;
    uint64_t existing = 0;
    if (in.digest) {
        auto l = lock_file(fmt::format("{}/ingest/{}.lock", root_, in.digest->hex));
        if (!l) return std::unexpected(std::move(l.error()));
        lock = std::move(*l);
        if (auto p = present()) return *p;
        partial = fmt::format("{}/ingest/{}.partial", root_, in.digest->hex);
        fd.reset(::open(partial.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
        if (!fd) return sys_fail("open {}", partial);
        auto sz = file_size(fd.get());
        if (!sz) return std::unexpected(sz.error());
        existing = *sz;
        if (in.size >= 0 && existing > static_cast<uint64_t>(in.size)) {
            if (::ftruncate(fd.get(), 0) < 0) return sys_fail("truncate {}", partial);
            existing = 0;
        }
    } else {
        auto f = temp_file(root_ + "/ingest", "layer-", partial);
        if (!f) return std::unexpected(std::move(f.error()));
        fd = std::move(*f);
        ::fcntl(fd.get(), F_SETFL, O_APPEND);
    }
    bool keep_partial = in.digest.has_value();
    ScopeGuard drop_partial([&] {
        if (!keep_partial) ::unlink(partial.c_str());
    });

    std::string what = in.digest ? fmt::format("layer {}", in.digest->str()) : std::string("layer");
    ResumingSource raw(fd.get(), existing, opener, in.size, progress);
    HashingSource blob_hash(raw);
    auto dec = make_decompressor(blob_hash);
    HashingSource diff_hash(*dec);

    bool unpack = !(in.diff_id && has_layer(*in.diff_id));
    std::string tmpdir;
    ScopeGuard drop_tmp([&] {
        if (!tmpdir.empty()) (void)linuxfs::remove_all(tmpdir);
    });
    UnpackStats stats;
    if (unpack) {
        auto t = temp_dir(fmt::format("{}/layers/sha256", root_), ".tmp-");
        if (!t) return std::unexpected(std::move(t.error()));
        tmpdir = *t;
        if (::mkdir((tmpdir + "/diff").c_str(), 0755) < 0) return sys_fail("mkdir {}/diff", tmpdir);
        UniqueFd dfd(::open((tmpdir + "/diff").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dfd) return sys_fail("open {}/diff", tmpdir);
        auto s = unpack_tar(diff_hash, dfd.get());
        if (!s) {
            if (!raw.source_failed()) keep_partial = false;
            return wrap(std::move(s), fmt::format("unpack {}", what));
        }
        stats = *s;
    }
    if (auto r = drain(diff_hash); !r) {
        if (!raw.source_failed()) keep_partial = false;
        return wrap(std::move(r), fmt::format("read {}", what));
    }
    Digest blob = blob_hash.finish();
    Digest diff = diff_hash.finish();
    uint64_t total = blob_hash.total();

    if ((in.size >= 0 && total != static_cast<uint64_t>(in.size)) || (in.digest && blob != *in.digest)) {
        keep_partial = false;  // corrupt: never resume from these bytes
        if (in.size >= 0 && total != static_cast<uint64_t>(in.size))
            return fail("{}: size mismatch: expected {} bytes, got {}", what, in.size, total);
        return fail("{}: digest mismatch: got {}", what, blob.str());
    }
    if (in.diff_id && diff != *in.diff_id) {
        keep_partial = false;
        return fail("{}: diff id mismatch: the config says {}, the uncompressed layer is {}", what, in.diff_id->str(), diff.str());
    }

    // Commit the layer first (its blob is what tells a later pull "done").
    if (unpack) {
        auto meta = fmt::format("{{\"diff_id\":\"{}\",\"size\":{},\"tar_size\":{}}}", diff.str(), stats.bytes, diff_hash.total());
        if (auto r = linuxfs::write_file_atomic(tmpdir + "/meta.json", meta, 0600, false); !r) return std::unexpected(r.error());
        // Durable before visible: one syncfs of the store's file system. For a 66 MB, 4000-file
        // layer on ext4 it took 10-200 ms (brig import, under strace); an fsync of every file and
        // directory of the same tree took 7-12 s.
        if (auto r = sync_tree_fs(tmpdir); !r) return wrap(std::move(r), fmt::format("store layer {}", diff.str()));
        std::string dest = layer_path(diff);
        if (::rename(tmpdir.c_str(), dest.c_str()) == 0) {
            tmpdir.clear();
            if (auto r = fsync_dir(fmt::format("{}/layers/{}", root_, diff.algorithm)); !r) return std::unexpected(r.error());
        } else if (errno != EEXIST && errno != ENOTEMPTY) {
            return sys_fail("store layer {}", diff.str());
        }  // else: another ingest of the same diff id won the race; ours is dropped
    }
    if (!has_blob(blob)) {
        if (auto r = commit_blob_file(root_, fd.get(), partial, blob); !r) return std::unexpected(r.error());
        keep_partial = true;  // renamed away: nothing to unlink
    } else {
        keep_partial = false;
    }
    LayerResult res{blob, diff, static_cast<int64_t>(total), static_cast<int64_t>(stats.bytes), false, Compression::None};
    std::byte head[4] = {};
    ssize_t hn = ::pread(fd.get(), head, sizeof head, 0);
    if (hn > 0) res.compression = detect_compression(std::span<const std::byte>(head, static_cast<size_t>(hn)));
    return res;
}

Result<std::string> Store::layer_link(const Digest& diff_id) const {
    std::string dir = layer_path(diff_id);
    std::string link_file = dir + "/link";
    if (auto l = read_small(link_file); l && !l->empty()) return *l;
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return sys_fail("layer {}", diff_id.str());
    if (auto l = flock_fd(dfd.get(), LockMode::Exclusive); !l)
        return errno_fail(l.error().errnum, "lock layer {}", diff_id.str());
    if (auto l = read_small(link_file); l && !l->empty()) return *l;
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string id = random_alnum(10);
        std::string target = fmt::format("../{}/{}/diff", diff_id.algorithm, diff_id.hex);
        if (::symlink(target.c_str(), (links_dir() + "/" + id).c_str()) < 0) {
            if (errno == EEXIST) continue;
            return sys_fail("create layer link {}", id);
        }
        if (auto r = linuxfs::write_file_atomic(link_file, id, 0600, true); !r) return std::unexpected(r.error());
        return id;
    }
    return fail("layer link: too many collisions");
}

Result<std::unique_ptr<ByteSource>> Store::open_layer_tar(const LayerRecord& layer) const {
    auto fd = open_blob(layer.digest);
    if (!fd) return std::unexpected(std::move(fd.error()));
    return std::make_unique<OwnedChain>(std::move(*fd));
}

// ---- GC

Result<GcStats> Store::gc(const std::set<std::string>& keep_layers_hex) const {
    auto lock = lock_file(root_ + "/store.lock");  // waits for every lease (pulls, loads) to end
    if (!lock) return std::unexpected(std::move(lock.error()));
    auto images = list_images();
    if (!images) return std::unexpected(std::move(images.error()));
    std::set<std::string> blobs, layers = keep_layers_hex;
    for (auto& img : *images) {
        blobs.insert(img.manifest_digest.hex);
        blobs.insert(img.config_digest.hex);
        for (auto& l : img.layers) {
            blobs.insert(l.digest.hex);
            layers.insert(l.diff_id.hex);
        }
        for (auto& rd : img.repo_digests) {
            auto at = rd.find("@sha256:");
            if (at != std::string::npos) blobs.insert(rd.substr(at + 8));
        }
    }
    GcStats st;
    auto list = [](const std::string& dir) {
        std::vector<std::string> names;
        if (DIR* d = ::opendir(dir.c_str())) {
            while (auto* e = ::readdir(d)) {
                std::string n = e->d_name;
                if (n != "." && n != "..") names.push_back(n);
            }
            ::closedir(d);
        }
        return names;
    };
    for (auto& name : list(root_ + "/blobs/sha256")) {
        if (blobs.count(name)) continue;
        std::string p = root_ + "/blobs/sha256/" + name;
        struct stat sb {};
        if (::stat(p.c_str(), &sb) == 0) st.bytes_freed += static_cast<uint64_t>(sb.st_size);
        if (::unlink(p.c_str()) == 0) ++st.blobs_removed;
    }
    std::set<std::string> live_links;
    for (auto& name : list(root_ + "/layers/sha256")) {
        std::string p = root_ + "/layers/sha256/" + name;
        if (!name.starts_with(".tmp-") && layers.count(name)) {
            if (auto l = read_small(p + "/link"); l) live_links.insert(*l);
            continue;
        }
        if (auto r = linuxfs::remove_all(p); r && !name.starts_with(".tmp-")) ++st.layers_removed;
    }
    for (auto& name : list(links_dir()))
        if (!live_links.count(name)) ::unlink((links_dir() + "/" + name).c_str());
    // Partial downloads and stray temp files: no ingest runs while we hold the store lock.
    for (auto& name : list(root_ + "/ingest")) ::unlink((root_ + "/ingest/" + name).c_str());
    for (auto& name : list(root_ + "/tmp")) (void)linuxfs::remove_all(root_ + "/tmp/" + name);
    return st;
}

}  // namespace brig::image
