// RUN --mount: what each mount type becomes for the step's container (BuildKit's meaning):
//   bind    a path of the context, another stage or an image (read-only unless rw)
//   cache   a directory kept between builds under <root>/build-mounts/, by id (default: the
//           target); sharing=shared|private|locked (locked: one build at a time, flock)
//   tmpfs   a tmpfs (size=)
//   secret  --secret id=ID,src=PATH bound read-only at /run/secrets/ID (or target=): a copy in
//           a private tmpfs directory (/dev/shm) with mode= (default 0400), uid= and gid=
//           (default 0), removed after the step; never part of the layer or the cache key
// A mount's stub (the target the runtime had to create) is removed from the layer after the run.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "build/dockerfile/decode.hpp"
#include "build/workspace.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "engine/record.hpp"

namespace brig::build {

struct BuildRun;

// A secret's copy for one RUN: <dir>/secret, removed with its directory on destruction.
class SecretFile {
public:
    static Result<SecretFile> make(const std::string& src, mode_t mode, uid_t uid, gid_t gid);
    SecretFile(SecretFile&& o) noexcept : dir_(std::exchange(o.dir_, {})) {}
    SecretFile& operator=(SecretFile&&) = delete;
    ~SecretFile();
    std::string path() const { return dir_ + "/secret"; }

private:
    explicit SecretFile(std::string dir) : dir_(std::move(dir)) {}
    std::string dir_;
};

struct RunMounts {
    std::vector<engine::MountPoint> points;
    std::string cache_text;            // what the mounts add to the step's cache key
    std::vector<Workspace> sources;    // mounted roots of stages and images bound from
    std::vector<UniqueFd> locks;       // cache mounts in use
    std::vector<SecretFile> secrets;   // the copies bound at the secrets' targets
    Result<void> attach(Workspace&) { return {}; }
};

Result<RunMounts> plan_run_mounts(BuildRun& run, const std::vector<dockerfile::Mount>& mounts, int stage_index);

}  // namespace brig::build
