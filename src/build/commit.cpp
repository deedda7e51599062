#include "build/commit.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "build/dockerfile/dockerfile.hpp"
#include "build/layer_commit.hpp"
#include "common/scope.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "image/reference.hpp"
#include "storage/overlay.hpp"

namespace brig::build {

namespace df = dockerfile;
using nlohmann::ordered_json;

namespace {

constexpr std::string_view kChangeFile = "--change";
constexpr std::array<std::string_view, 10> kChangeCommands = {"CMD",        "ENTRYPOINT", "ENV",  "EXPOSE", "LABEL",
                                                              "ONBUILD",    "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};

// "--change:2:1: unknown instruction: FOO" -> "unknown instruction: FOO": the place is in the
// Dockerfile made around the change, not in anything the user wrote.
std::string without_location(const std::string& msg) {
    std::string prefix = std::string(kChangeFile) + ":";
    if (!msg.starts_with(prefix)) return msg;
    auto sep = msg.find(": ", prefix.size());
    return sep == std::string::npos ? msg : msg.substr(sep + 2);
}

df::Vars env_vars(const ImageState& s) {
    df::Vars v;
    for (auto& kv : s.env()) {
        auto eq = kv.find('=');
        if (eq != std::string::npos) v.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return v;
}

ordered_json& object_at(ordered_json& c, const char* key) {
    if (!c.contains(key) || !c[key].is_object()) c[key] = ordered_json::object();
    return c[key];
}

ordered_json strings_or_null(const std::vector<std::string>& v) { return v.empty() ? ordered_json(nullptr) : ordered_json(v); }

// The container's settings over its image's (docker: the container's Config).
void take_container_config(ImageState& s, const engine::ContainerRecord& rec) {
    auto& c = s.config;
    c["Env"] = rec.env;
    c["Cmd"] = strings_or_null(rec.cmd);
    c["Entrypoint"] = strings_or_null(rec.entrypoint);
    c["User"] = rec.user;
    c["WorkingDir"] = rec.workdir;
    for (auto& p : rec.exposed_ports) object_at(c, "ExposedPorts")[p] = ordered_json::object();
    for (auto& m : rec.mounts)  // the image's VOLUMEs and -v /path: anonymous volumes
        if (m.type == "volume" && m.anonymous) object_at(c, "Volumes")[m.destination] = ordered_json::object();
    for (auto& [k, v] : rec.labels) object_at(c, "Labels")[k] = v;
    if (c.contains("StopSignal") || rec.stop_signal != "SIGTERM") c["StopSignal"] = rec.stop_signal;
    if (rec.health) {
        const auto& h = *rec.health;
        c["Healthcheck"] = {{"Test", h.test},
                            {"Interval", h.interval_ns},
                            {"Timeout", h.timeout_ns},
                            {"StartPeriod", h.start_period_ns},
                            {"Retries", h.retries}};
    }
}

}  // namespace

Result<void> apply_changes(ImageState& s, const std::vector<std::string>& changes) {
    for (const auto& change : changes) {
        auto bad = [&](const std::string& why) { return fail("--change {:?}: {}", change, without_location(why)); };
        auto file = df::parse("FROM scratch\n" + change + "\n", kChangeFile);
        if (!file) return bad(file.error().message);
        if (file->stages.size() > 1) return bad("FROM is not a valid change command");
        for (const auto& ins : file->stages.front().body) {
            if (std::find(kChangeCommands.begin(), kChangeCommands.end(), ins.keyword) == kChangeCommands.end())
                return bad(fmt::format("{} is not a valid change command ({})", ins.keyword,
                                       fmt::join(kChangeCommands.begin(), kChangeCommands.end(), ", ")));
            auto cmd = df::decode(ins, env_vars(s), file->escape);
            if (!cmd) return bad(cmd.error().message);
            if (auto r = apply_metadata(s, *cmd); !r) return bad(r.error().message);
        }
    }
    return {};
}

Result<image::ImageRecord> commit_container(engine::Engine& e, const image::Store& store,
                                            const engine::ContainerRecord& rec, const CommitOptions& opts) {
    std::vector<std::string> names;
    if (!opts.reference.empty()) {
        auto ref = image::parse_reference(opts.reference);
        if (!ref) return wrap(std::move(ref), fmt::format("invalid reference {:?}", opts.reference));
        if (ref->digest) return fail("invalid reference {:?}: a commit's name cannot carry a digest", opts.reference);
        names.push_back(ref->str());
    }
    if (!rec.rootfs_managed || rec.image_id.empty())
        return fail("container {} runs on a directory of its own (--rootfs), not on an image: there is no layer to commit", rec.name);
    auto img = store.find_image(rec.image_id);
    if (!img) return fail("container {}: its image {} is no longer in the store", rec.name, rec.image_id);
    auto st = state_from_image(store, *img);
    if (!st) return std::unexpected(st.error());
    take_container_config(*st, rec);
    if (auto r = apply_changes(*st, opts.changes); !r) return std::unexpected(r.error());
    st->author = opts.author;  // docker: the author given, not the base image's

    auto lease = store.lease();  // no image gc between the layer and the image that holds it
    if (!lease) return std::unexpected(lease.error());
    auto cs = storage::ContainerStorage::open(store);
    if (!cs) return std::unexpected(cs.error());
    std::string upper = cs->upper_path(rec.id);
    bool paused = false;
    if (opts.pause && e.store.live_state(rec).status == "running") {
        if (auto r = engine::pause_container(e, {.id = rec.id, .pause = true}); !r) return wrap(std::move(r), "pause " + rec.name);
        paused = true;
    }
    ScopeGuard resume([&] {
        if (paused) (void)engine::pause_container(e, {.id = rec.id, .pause = false});
    });
    std::error_code ec;
    bool empty = std::filesystem::is_empty(upper, ec);
    if (ec) return errno_fail(ec.value(), "container {}: read {}", rec.name, upper);
    std::optional<image::LayerRecord> layer;
    if (!empty) {
        auto l = commit_layer(store, upper);
        if (!l) return std::unexpected(l.error());
        layer = *l;
        st->layers.push_back(*l);
    }
    if (paused) {  // the layer is read: the container goes on before the image is written
        resume.dismiss();
        if (auto r = engine::pause_container(e, {.id = rec.id, .pause = false}); !r) return wrap(std::move(r), "unpause " + rec.name);
    }

    std::string created = now_rfc3339_nano();
    add_history(*st, join(rec.cmd, " "), created, !layer);  // docker: created_by is the container's command
    if (!opts.author.empty()) st->history.back()["author"] = opts.author;
    if (!opts.message.empty()) st->history.back()["comment"] = opts.message;
    return write_image(store, *st, created, names);
}

}  // namespace brig::build
