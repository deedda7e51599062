// Helpers for the image tests: temp store roots (removed with any mounts below them), tar and
// compressed-stream builders, small image builders.
#pragma once

#include <string>
#include <vector>

#include "image/store.hpp"
#include "image/tar.hpp"

namespace brig::image::test {

bool is_root();

// A temporary directory, removed (after unmounting anything under it) on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Builds a tar archive in memory.
class TarBuilder {
public:
    TarBuilder& file(const std::string& path, const std::string& data, uint32_t mode = 0644, uint32_t uid = 0, uint32_t gid = 0);
    TarBuilder& dir(const std::string& path, uint32_t mode = 0755);
    TarBuilder& symlink(const std::string& path, const std::string& target);
    TarBuilder& hardlink(const std::string& path, const std::string& target);
    TarBuilder& chardev(const std::string& path, uint32_t major, uint32_t minor);
    TarBuilder& fifo(const std::string& path);
    TarBuilder& entry(const TarEntry& e, const std::string& data = {});
    std::string str() const;  // with the end-of-archive blocks

private:
    std::vector<std::pair<TarEntry, std::string>> entries_;
};

std::string gzip(const std::string& data);
std::string zstd(const std::string& data);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data);

// Ingest layers from tars, write config + manifest, commit under `name`. Returns the record.
ImageRecord make_image(const Store& store, const std::vector<std::string>& layer_tars, const std::string& name,
                       const std::string& config_extra = "");

}  // namespace brig::image::test
