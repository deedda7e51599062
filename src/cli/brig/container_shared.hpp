// Shared by the container command files (container_cmds.cpp, container_info_cmds.cpp).
#pragma once

#include <string>
#include <vector>

#include "cli/brig/commands.hpp"
#include "engine/engine.hpp"
#include "engine/image_source.hpp"

namespace brig::cli {

Result<engine::Engine> open_engine(const Globals& g);

// The image (or --rootfs directory) a container is created from.
inline Result<engine::ImageRootfs> resolve_image(const Globals& g, const std::string& ref, bool rootfs_dir,
                                                 const std::string& container_id) {
    return engine::prepare_image_rootfs(g.root, ref, rootfs_dir, container_id);
}
inline void release_image_rootfs(const Globals& g, const engine::ContainerRecord& rec) {
    engine::release_image_rootfs(g.root, rec);
}

// The subcommand `name` of app, or nullptr (this CLI11 has no get_subcommand_no_throw).
inline CLI::App* find_subcommand(CLI::App& app, const std::string& name) {
    auto subs = app.get_subcommands([&](const CLI::App* a) { return a->get_name() == name; });
    return subs.empty() ? nullptr : subs.front();
}

void add_container_info_commands(CLI::App& top, CLI::App& group, Globals& globals);

// volume_cmds.cpp: -v/--mount/--volumes-from flags and the image's VOLUMEs -> rec.host_config["VolumeMounts"];
// creates volumes on first use (names appended to `created`) and copies image content into
// empty ones. remove_volumes undoes that.
Result<void> setup_container_volumes(const Globals& g, engine::ContainerRecord& rec,
                                     const std::vector<std::string>& volume_flags,
                                     const std::vector<std::string>& mount_flags,
                                     const std::vector<std::string>& volumes_from,
                                     const std::vector<std::string>& image_volumes, std::vector<std::string>& created);
void remove_volumes(const Globals& g, const std::vector<std::string>& names);

}  // namespace brig::cli
