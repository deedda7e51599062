#include "test_util.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "image/manifest.hpp"
#include "linux/fs.hpp"

namespace brig::image::test {

bool is_root() { return ::geteuid() == 0; }

TempDir::TempDir() {
    char tmpl[] = "/var/tmp/brig-image-test.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
}

TempDir::~TempDir() {
    // Unmount anything still mounted below (a failed test), deepest first.
    std::ifstream mi("/proc/self/mountinfo");
    std::vector<std::string> mounts;
    std::string line;
    while (std::getline(mi, line)) {
        std::istringstream ss(line);
        std::string f;
        for (int i = 0; i < 5 && ss >> f; ++i) {}
        if (f.starts_with(path_ + "/")) mounts.push_back(f);
    }
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    (void)linuxfs::remove_all(path_);
}

TarBuilder& TarBuilder::entry(const TarEntry& e, const std::string& data) {
    entries_.emplace_back(e, data);
    return *this;
}

TarBuilder& TarBuilder::file(const std::string& path, const std::string& data, uint32_t mode, uint32_t uid, uint32_t gid) {
    TarEntry e;
    e.path = path;
    e.type = TarType::Regular;
    e.size = data.size();
    e.mode = mode;
    e.uid = uid;
    e.gid = gid;
    e.mtime_sec = 1000000000;
    return entry(e, data);
}

TarBuilder& TarBuilder::dir(const std::string& path, uint32_t mode) {
    TarEntry e;
    e.path = path;
    e.type = TarType::Directory;
    e.mode = mode;
    e.mtime_sec = 1000000000;
    return entry(e);
}

TarBuilder& TarBuilder::symlink(const std::string& path, const std::string& target) {
    TarEntry e;
    e.path = path;
    e.type = TarType::Symlink;
    e.linkname = target;
    e.mode = 0777;
    return entry(e);
}

TarBuilder& TarBuilder::hardlink(const std::string& path, const std::string& target) {
    TarEntry e;
    e.path = path;
    e.type = TarType::HardLink;
    e.linkname = target;
    e.mode = 0644;
    return entry(e);
}

TarBuilder& TarBuilder::chardev(const std::string& path, uint32_t major, uint32_t minor) {
    TarEntry e;
    e.path = path;
    e.type = TarType::CharDev;
    e.devmajor = major;
    e.devminor = minor;
    e.mode = 0666;
    return entry(e);
}

TarBuilder& TarBuilder::fifo(const std::string& path) {
    TarEntry e;
    e.path = path;
    e.type = TarType::Fifo;
    e.mode = 0644;
    return entry(e);
}

std::string TarBuilder::str() const {
    char tmpl[] = "/tmp/brig-tar.XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp");
    ::unlink(tmpl);
    TarWriter w(fd);
    for (auto& [e, data] : entries_) {
        MemorySource src(data);
        auto r = w.add(e, &src);
        if (!r) throw std::runtime_error(r.error().what());
    }
    (void)w.finish();
    std::string out(w.written(), '\0');
    ::pread(fd, out.data(), out.size(), 0);
    ::close(fd);
    return out;
}

std::string gzip(const std::string& data) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, data.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string zstd(const std::string& data) {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
    out.resize(n);
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary);
    f << data;
}

ImageRecord make_image(const Store& store, const std::vector<std::string>& layer_tars, const std::string& name,
                       const std::string& config_extra) {
    nlohmann::json diff_ids = nlohmann::json::array();
    Manifest m;
    m.media_type = std::string(media::kOciManifest);
    for (auto& t : layer_tars) {
        MemorySource src(t);
        auto r = store.ingest_layer(LayerIngest{}, src);
        if (!r) throw std::runtime_error(r.error().what());
        diff_ids.push_back(r->diff_id.str());
        std::string mt = r->compression == Compression::Gzip ? std::string(media::kOciLayerGzip)
                         : r->compression == Compression::Zstd ? std::string(media::kOciLayerZstd)
                                                                : std::string(media::kOciLayer);
        m.layers.push_back(Descriptor{mt, r->digest, r->size, {}, {}, {}});
    }
    std::string config = R"({"architecture":")" + Platform::host().architecture +
                         R"(","os":"linux","created":"2024-01-02T03:04:05Z","config":{"Env":["PATH=/bin"],"Cmd":["sh"])" +
                         config_extra + R"(},"rootfs":{"type":"layers","diff_ids":)" + diff_ids.dump() + "}}";
    auto cd = store.put_blob(config);
    if (!cd) throw std::runtime_error(cd.error().what());
    m.config = Descriptor{std::string(media::kOciConfig), *cd, static_cast<int64_t>(config.size()), {}, {}, {}};
    auto md = store.put_blob(manifest_to_json(m));
    if (!md) throw std::runtime_error(md.error().what());
    std::vector<std::string> names;
    if (!name.empty()) names.push_back(name);
    auto rec = store.commit_image(*md, names);
    if (!rec) throw std::runtime_error(rec.error().what());
    return *rec;
}

}  // namespace brig::image::test
