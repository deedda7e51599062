#include "runtime/cgroup_ops.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "cgroup/manager.hpp"
#include "cgroup/stats.hpp"
#include "common/fd.hpp"
#include "common/scope.hpp"
#include "common/units.hpp"
#include "linux/fs.hpp"

namespace brig::runtime {
namespace {

using Clock = std::chrono::steady_clock;

struct Live {
    StateRecord rec;
    Status status = Status::Stopped;
    cgroup::System sys;
    cgroup::Cgroup cg;
};

// The container's record, status and cgroup. `allowed` lists the states the operation accepts.
Result<Live> load(const StateStore& store, const std::string& id, std::string_view what,
                  std::initializer_list<Status> allowed) {
    auto rec = store.load(id);
    if (!rec) return std::unexpected(rec.error());
    Live l;
    l.rec = std::move(*rec);
    l.status = status_of(store, l.rec);
    if (std::find(allowed.begin(), allowed.end(), l.status) == allowed.end()) {
        if (l.status == Status::Paused) return fail("{}: container {:?} is paused", what, id);
        if (l.status == Status::Running && what == "resume") return fail("resume: container {:?} is not paused", id);
        return fail("{}: container {:?} is not running (it is {})", what, id, to_string(l.status));
    }
    if (l.rec.cgroup_dirs.empty()) return fail("{}: container {:?} has no cgroup of its own", what, id);
    auto sys = cgroup::detect();
    if (!sys) return std::unexpected(sys.error());
    l.sys = std::move(*sys);
    l.cg = cgroup::from_dirs(l.sys, l.rec.cgroup_dirs);
    return l;
}

}  // namespace

Result<void> pause_container(const StateStore& store, const std::string& id) {
    auto l = load(store, id, "pause", {Status::Running, Status::Created});
    if (!l) return std::unexpected(l.error());
    if (auto r = cgroup::freeze(l->cg, l->sys, true); !r) return std::unexpected(std::move(r.error()).context("pause"));
    return {};
}

Result<void> resume_container(const StateStore& store, const std::string& id) {
    auto l = load(store, id, "resume", {Status::Paused});
    if (!l) return std::unexpected(l.error());
    if (auto r = cgroup::freeze(l->cg, l->sys, false); !r) return std::unexpected(std::move(r.error()).context("resume"));
    return {};
}

namespace {

void merge_objects(nlohmann::json& into, const nlohmann::json& from) {
    if (!into.is_object()) into = nlohmann::json::object();
    for (const auto& [key, value] : from.items()) {
        if (value.is_null()) continue;
        if (value.is_object()) merge_objects(into[key], value);
        else into[key] = value;
    }
}

std::optional<int64_t> int_field(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object()) return std::nullopt;
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
}

}  // namespace

void merge_resources(nlohmann::json& stored, const nlohmann::json& given) {
    if (!stored.is_object()) stored = nlohmann::json::object();
    if (!given.is_object()) return;
    // A new limit alone keeps the swap allowance (the cgroup code does the same, and the
    // stored pair must stay valid: swap, memory plus swap, is never below the limit).
    if (auto gm = given.find("memory"); gm != given.end() && gm->is_object() && !int_field(*gm, "swap")) {
        auto& sm = stored["memory"];
        auto limit = int_field(*gm, "limit"), old_limit = int_field(sm, "limit"), old_swap = int_field(sm, "swap");
        if (limit && old_swap && *old_swap != 0) {
            if (*limit == -1) sm["swap"] = -1;
            else if (*limit > 0 && old_limit && *old_limit > 0 && *old_swap > 0 && *old_swap >= *old_limit)
                sm["swap"] = *limit + (*old_swap - *old_limit);
        }
        if (sm.is_null()) stored.erase("memory");
    }
    for (const auto& [key, value] : given.items()) {
        if (key == "devices" || value.is_null()) continue;
        if (value.is_object()) merge_objects(stored[key], value);
        else stored[key] = value;
    }
}

Result<void> update_container(const StateStore& store, const std::string& id, const ResourceUpdate& u) {
    if (auto v = validate_id(id); !v) return std::unexpected(v.error());
    // The lock keeps two updates from merging into the same old config.
    auto lock = store.lock(id);
    if (!lock) return std::unexpected(std::move(lock.error()).context("update"));
    auto l = load(store, id, "update", {Status::Running, Status::Created, Status::Paused});
    if (!l) return std::unexpected(l.error());

    // The stored config with the new values, in a temp file next to it before the kernel
    // sees anything: what can fail here fails with the cgroup untouched.
    const std::string path = store.config(id);
    auto text = linuxfs::read_file(path);
    if (!text) return std::unexpected(std::move(text.error()).context(fmt::format("update: container {:?}", id)));
    nlohmann::json spec = nlohmann::json::parse(*text, nullptr, false);
    nlohmann::json given = nlohmann::json::parse(u.json, nullptr, false);
    if (spec.is_discarded() || !spec.is_object() || (spec.contains("linux") && !spec["linux"].is_object()))
        return fail("update: {}: the stored config of container {:?} is corrupt", path, id);
    if (given.is_discarded()) return fail("update: invalid resources JSON");
    merge_resources(spec["linux"]["resources"], given);
    const std::string tmp = path + ".update";
    if (auto w = linuxfs::write_file_atomic(tmp, spec.dump(), 0600, false); !w)
        return std::unexpected(std::move(w.error()).context("update"));
    ScopeGuard drop_tmp([&] { ::unlink(tmp.c_str()); });

    cgroup::ApplyOptions opts;
    opts.update = true;
    if (auto a = cgroup::apply(l->cg, l->sys, u.resources, opts); !a)
        return std::unexpected(std::move(a.error()).context("update"));
    if (::rename(tmp.c_str(), path.c_str()) < 0)
        return sys_fail("update: the new limits are applied but could not be saved to {}", path);
    drop_tmp.dismiss();
    return {};
}

Result<std::vector<pid_t>> container_pids(const StateStore& store, const std::string& id) {
    auto rec = store.load(id);
    if (!rec) return std::unexpected(rec.error());
    return cgroup::all_pids(rec->cgroup_dirs);
}

namespace {

std::string stats_line(const Live& l) {
    auto env = cgroup::plan_env(l.cg, l.sys, false);
    nlohmann::ordered_json ev;
    ev["type"] = "stats";
    ev["id"] = l.rec.id;
    ev["data"] = cgroup::read_stats(env, cgroup::hugepage_sizes(), ::sysconf(_SC_CLK_TCK));
    return ev.dump();
}

std::string oom_line(const std::string& id) {
    nlohmann::ordered_json ev;
    ev["type"] = "oom";
    ev["id"] = id;
    return ev.dump();
}

}  // namespace

Result<std::string> container_stats(const StateStore& store, const std::string& id) {
    auto l = load(store, id, "events", {Status::Running, Status::Created, Status::Paused});
    if (!l) return std::unexpected(l.error());
    return stats_line(*l);
}

Result<void> container_events(const StateStore& store, const std::string& id, std::chrono::milliseconds interval,
                              const std::function<void(const std::string&)>& emit) {
    auto l = load(store, id, "events", {Status::Running, Status::Created, Status::Paused});
    if (!l) return std::unexpected(l.error());
    if (interval <= std::chrono::milliseconds(0)) return fail("events: --interval must be positive");
    auto env = cgroup::plan_env(l->cg, l->sys, false);

    // The OOM notifier.
    UniqueFd notify;
    bool v1 = false;
    std::string memdir;
    if (auto v = env.where("memory"); v == cgroup::Version::V1) {
        v1 = true;
        memdir = cgroup::controller_dir(l->cg, l->sys, "memory");
        notify.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!notify) return sys_fail("events: eventfd");
        UniqueFd oom(::open((memdir + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
        if (!oom) return sys_fail("events: open {}/memory.oom_control", memdir);
        if (auto w = linuxfs::write_file(memdir + "/cgroup.event_control",
                                         fmt::format("{} {}", notify.get(), oom.get()));
            !w)
            return std::unexpected(std::move(w.error()).context("events: register for OOM notifications"));
        // The kernel holds its own reference to memory.oom_control now.
    } else if (v == cgroup::Version::V2) {
        memdir = l->cg.v2_dir;
        notify.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
        if (!notify) return sys_fail("events: inotify_init1");
        if (::inotify_add_watch(notify.get(), (memdir + "/memory.events").c_str(), IN_MODIFY) < 0)
            return sys_fail("events: watch {}/memory.events", memdir);
    }
    uint64_t ooms = cgroup::oom_kill_count(env).value_or(0);

    // Returns false once the cgroup is gone.
    auto drain = [&]() -> bool {
        if (!notify) return true;
        if (v1) {
            uint64_t n = 0;
            if (::read(notify.get(), &n, sizeof n) != sizeof n) return true;  // nothing pending
            // The eventfd also fires when the cgroup is removed.
            if (!linuxfs::exists(memdir + "/cgroup.event_control")) return false;
            emit(oom_line(id));
            return true;
        }
        char buf[4096];
        bool changed = false;
        while (::read(notify.get(), buf, sizeof buf) > 0) changed = true;
        if (!changed) return true;
        if (!linuxfs::exists(memdir + "/memory.events")) return false;
        auto now = cgroup::oom_kill_count(env).value_or(ooms);
        for (; ooms < now; ++ooms) emit(oom_line(id));
        return true;
    };

    auto next = Clock::now() + interval;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
        // Wake at least a few times a second to notice that the container stopped.
        int timeout = static_cast<int>(std::clamp<long long>(left.count(), 0, 250));
        pollfd p{notify ? notify.get() : -1, POLLIN, 0};
        int n = ::poll(&p, 1, timeout);
        if (n < 0 && errno != EINTR) return sys_fail("events: poll");
        if (!drain()) return {};
        if (status_of(store, l->rec) == Status::Stopped) {
            (void)drain();
            return {};
        }
        if (Clock::now() >= next) {
            emit(stats_line(*l));
            next += interval;
            if (next < Clock::now()) next = Clock::now() + interval;
        }
    }
}

Result<ResourceUpdate> parse_resource_update(std::string_view json_text) {
    nlohmann::json res = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
    if (res.is_discarded()) return fail("resources: invalid JSON");
    if (!res.is_object()) return fail("resources: must be a JSON object (the linux.resources of a config.json)");
    // Validated exactly as in a config.json: errors name linux.resources.<field>.
    nlohmann::json spec = {{"ociVersion", oci::kSpecVersion}, {"root", {{"path", "rootfs"}}}, {"linux", {{"resources", res}}}};
    auto parsed = oci::parse_spec(spec.dump());
    if (!parsed) return std::unexpected(parsed.error());
    ResourceUpdate u;
    u.json = res.dump();
    if (parsed->linux && parsed->linux->resources) u.resources = std::move(*parsed->linux->resources);
    return u;
}

Result<oci::Resources> parse_resources(std::string_view json_text) {
    auto u = parse_resource_update(json_text);
    if (!u) return std::unexpected(u.error());
    return std::move(u->resources);
}

Result<oci::Resources> load_resources(const std::string& path) {
    auto u = load_resource_update(path);
    if (!u) return std::unexpected(u.error());
    return std::move(u->resources);
}

Result<ResourceUpdate> load_resource_update(const std::string& path) {
    std::string text;
    if (path == "-") {
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(0, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return sys_fail("read resources from stdin");
            if (n == 0) break;
            text.append(buf, static_cast<size_t>(n));
        }
    } else {
        auto t = linuxfs::read_file(path);
        if (!t) return std::unexpected(t.error());
        text = std::move(*t);
    }
    auto r = parse_resource_update(text);
    if (!r) return std::unexpected(std::move(r.error()).context(path == "-" ? "stdin" : path));
    return r;
}

Result<oci::Resources> resources_from_update_flags(const std::map<std::string, std::string>& flags) {
    auto u = resource_update_from_flags(flags);
    if (!u) return std::unexpected(u.error());
    return std::move(u->resources);
}

Result<ResourceUpdate> resource_update_from_flags(const std::map<std::string, std::string>& flags) {
    using nlohmann::json;
    json res = json::object();
    for (const auto& [name, value] : flags) {
        auto integer = [&](bool is_signed) -> Result<json> {
            if (is_signed) {
                int64_t v = 0;
                auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
                if (ec != std::errc() || p != value.data() + value.size() || value.empty())
                    return fail("--{}: invalid number {:?}", name, value);
                return json(v);
            }
            uint64_t v = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
            if (ec != std::errc() || p != value.data() + value.size() || value.empty())
                return fail("--{}: invalid number {:?} (must be a non-negative integer)", name, value);
            return json(v);
        };
        auto size = [&]() -> Result<json> {
            if (value == "-1") return json(-1);  // unlimited, as runc takes it
            auto v = parse_size(value);
            if (!v) return std::unexpected(std::move(v.error()).context("--" + name));
            return json(*v);
        };
        struct Map {
            const char* flag;
            const char* group;
            const char* field;
            char kind;  // u: unsigned, i: signed, s: size, t: text
        };
        static constexpr Map table[] = {
            {"blkio-weight", "blockIO", "weight", 'u'},   {"cpu-period", "cpu", "period", 'u'},
            {"cpu-quota", "cpu", "quota", 'i'},           {"cpu-burst", "cpu", "burst", 'u'},
            {"cpu-share", "cpu", "shares", 'u'},          {"cpu-rt-period", "cpu", "realtimePeriod", 'u'},
            {"cpu-rt-runtime", "cpu", "realtimeRuntime", 'i'}, {"cpu-idle", "cpu", "idle", 'i'},
            {"cpuset-cpus", "cpu", "cpus", 't'},          {"cpuset-mems", "cpu", "mems", 't'},
            {"memory", "memory", "limit", 's'},           {"memory-reservation", "memory", "reservation", 's'},
            {"memory-swap", "memory", "swap", 's'},       {"kernel-memory", "memory", "kernel", 's'},
            {"kernel-memory-tcp", "memory", "kernelTCP", 's'}, {"pids-limit", "pids", "limit", 'i'},
        };
        if (name == "l3-cache-schema" || name == "mem-bw-schema")
            return fail("--{}: Intel RDT (resctrl) is {}", name,
                        linuxfs::exists("/sys/fs/resctrl/schemata") ? "not supported by brig-oci yet"
                                                                     : "not available on this kernel");
        const Map* m = nullptr;
        for (const auto& t : table)
            if (name == t.flag) m = &t;
        if (!m) return fail("unknown update flag --{}", name);
        Result<json> v = m->kind == 'u' ? integer(false) : m->kind == 'i' ? integer(true) : m->kind == 's' ? size() : Result<json>(json(value));
        if (!v) return std::unexpected(v.error());
        res[m->group][m->field] = *v;
    }
    return parse_resource_update(res.dump());
}

}  // namespace brig::runtime
