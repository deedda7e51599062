#include "engine/present.hpp"

#include <ctime>
#include <map>

#include "common/time.hpp"
#include "engine/netwire.hpp"
#include "linux/fs.hpp"

namespace brig::engine {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

std::string quote_command(const std::vector<std::string>& args, bool no_trunc) {
    std::string cmd;
    for (const auto& a : args) cmd += (cmd.empty() ? "" : " ") + a;
    if (!no_trunc && cmd.size() > 20) cmd = cmd.substr(0, 19) + "…";
    return "\"" + cmd + "\"";
}

const ojson* lookup(const ojson& data, std::string_view path) {
    const ojson* cur = &data;
    if (path == ".") return cur;
    size_t i = 1;
    while (i <= path.size()) {
        size_t dot = path.find('.', i);
        std::string key(path.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i));
        if (!cur->is_object() || !cur->contains(key)) return nullptr;
        cur = &(*cur)[key];
        if (dot == std::string_view::npos) break;
        i = dot + 1;
    }
    return cur;
}

std::string value_text(const ojson& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "<nil>";
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_object() || v.is_array()) {
        if (v.is_array()) {
            std::string out = "[";
            for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + value_text(v[i]);
            return out + "]";
        }
        std::string out = "map[";
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            out += (first ? "" : " ") + it.key() + ":" + value_text(it.value());
            first = false;
        }
        return out + "]";
    }
    return v.dump();
}

std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            char c = s[i + 1];
            if (c == 't') { out += '\t'; ++i; continue; }
            if (c == 'n') { out += '\n'; ++i; continue; }
        }
        out += s[i];
    }
    return out;
}

std::string header_name(std::string_view field) {
    static const std::map<std::string, std::string, std::less<>> names = {
        {"ID", "CONTAINER ID"}, {"Names", "NAMES"}, {"Image", "IMAGE"}, {"Command", "COMMAND"},
        {"CreatedAt", "CREATED AT"}, {"RunningFor", "CREATED"}, {"Status", "STATUS"}, {"State", "STATE"},
        {"Ports", "PORTS"}, {"Labels", "LABELS"}, {"Size", "SIZE"}, {"Mounts", "MOUNTS"}, {"Networks", "NETWORKS"},
        {"Name", "NAME"}, {"CPUPerc", "CPU %"}, {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
        {"NetIO", "NET I/O"}, {"BlockIO", "BLOCK I/O"}, {"PIDs", "PIDS"}, {"Container", "CONTAINER"}};
    if (auto it = names.find(field); it != names.end()) return it->second;
    std::string up;
    for (char c : field) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return up;
}

}  // namespace

int64_t seconds_since(const std::string& rfc3339) {
    auto t = parse_rfc3339_ns(rfc3339);
    if (!t) return 0;
    return (unix_now_ns() - *t) / 1'000'000'000;
}

std::string human_duration(int64_t s) {
    if (s < 1) return "Less than a second";
    if (s == 1) return "1 second";
    if (s < 60) return fmt::format("{} seconds", s);
    int64_t m = s / 60;
    if (m == 1) return "About a minute";
    if (m < 60) return fmt::format("{} minutes", m);
    int64_t h = m / 60;
    if (h == 1) return "About an hour";
    if (h < 48) return fmt::format("{} hours", h);
    int64_t d = h / 24;
    if (d < 14) return fmt::format("{} days", d);
    if (d < 60) return fmt::format("{} weeks", d / 7);
    if (d < 365 * 2) return fmt::format("{} months", d / 30);
    return fmt::format("{} years", d / 365);
}

std::string status_text(const LiveState& live) {
    if (live.status == "created") return "Created";
    if (live.status == "exited" || live.status == "dead") {
        if (live.finished_at.empty()) return fmt::format("Exited ({})", live.exit_code);
        return fmt::format("Exited ({}) {} ago", live.exit_code, human_duration(seconds_since(live.finished_at)));
    }
    if (live.status == "restarting")
        return fmt::format("Restarting ({}) {} ago", live.exit_code, human_duration(seconds_since(live.finished_at)));
    std::string s = "Up " + human_duration(seconds_since(live.started_at));
    if (live.status == "paused") s += " (Paused)";
    else if (live.health == "starting") s += " (health: starting)";
    else if (!live.health.empty()) s += " (" + live.health + ")";
    return s;
}

ojson ps_row(const ContainerRecord& rec, const LiveState& live, bool no_trunc) {
    std::string labels;
    for (const auto& [k, v] : rec.labels) labels += (labels.empty() ? "" : ",") + k + "=" + v;
    std::string created = rec.created;
    if (auto t = parse_rfc3339_ns(rec.created)) {
        time_t tt = static_cast<time_t>(*t / 1'000'000'000);
        tm tmv{};
        ::gmtime_r(&tt, &tmv);
        char buf[64];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000 UTC", &tmv);
        created = buf;
    }
    std::string mount_names;  // docker: volume names, bind sources
    int local_volumes = 0;
    for (const auto& m : rec.mounts) {
        bool vol = m.type == "volume";
        local_volumes += vol ? 1 : 0;
        std::string n = vol ? m.name : m.source;
        if (!no_trunc && n.size() > 15) n = n.substr(0, 15) + "…";
        if (!n.empty()) mount_names += (mount_names.empty() ? "" : ",") + n;
    }
    return {
        {"Command", quote_command(rec.process_args(), no_trunc)},
        {"CreatedAt", created},
        {"ID", no_trunc ? rec.id : rec.id.substr(0, 12)},
        {"Image", rec.image},
        {"Labels", labels},
        {"LocalVolumes", std::to_string(local_volumes)},
        {"Mounts", mount_names},
        {"Names", rec.name},
        {"Networks", rec.host.network_mode},
        {"Ports", ""},
        {"RunningFor", human_duration(seconds_since(rec.created)) + " ago"},
        {"Size", "0B"},
        {"State", live.status},
        {"Status", status_text(live)},
    };
}

ojson inspect_json(const Engine& e, const ContainerRecord& rec, const LiveState& live) {
    std::string dir = e.store.dir(rec.id);
    ojson state = {
        {"Status", live.status},
        {"Running", live.status == "running" || live.status == "paused"},
        {"Paused", live.status == "paused"},
        {"Restarting", live.status == "restarting"},
        {"OOMKilled", live.oom_killed},
        {"Dead", live.status == "dead"},
        {"Pid", live.running() ? live.pid : 0},
        {"ExitCode", live.exit_code},
        {"Error", live.error},
        {"StartedAt", live.started_at.empty() ? "0001-01-01T00:00:00Z" : live.started_at},
        {"FinishedAt", live.finished_at.empty() ? "0001-01-01T00:00:00Z" : live.finished_at},
    };
    if (rec.health) {
        ojson log = ojson::array();
        if (auto text = linuxfs::read_file(dir + "/health.log")) {
            std::vector<std::string> lines;
            size_t start = 0;
            while (start < text->size()) {
                size_t nl = text->find('\n', start);
                if (nl == std::string::npos) nl = text->size();
                lines.push_back(text->substr(start, nl - start));
                start = nl + 1;
            }
            for (size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i) {
                try {
                    log.push_back(ojson::parse(lines[i]));
                } catch (const json::exception&) {
                }
            }
        }
        state["Health"] = {{"Status", live.health.empty() ? "starting" : live.health},
                           {"FailingStreak", live.failing_streak},
                           {"Log", log}};
    }
    auto args = rec.process_args();
    ojson mounts = ojson::array();  // docker's Mounts: volumes, bind mounts, tmpfs (engine/volumes.hpp)
    for (const auto& m : rec.mounts) mounts.push_back(to_json(m));
    ojson exposed = ojson::object();
    for (const auto& p : rec.exposed_ports) exposed[p] = ojson::object();

    ojson config = {
        {"Hostname", rec.hostname},
        {"Domainname", ""},
        {"User", rec.user},
        {"AttachStdin", rec.open_stdin},
        {"AttachStdout", true},
        {"AttachStderr", true},
        {"Tty", rec.tty},
        {"OpenStdin", rec.open_stdin},
        {"StdinOnce", rec.open_stdin},
        {"Env", rec.env},
        {"Cmd", rec.cmd.empty() ? ojson(nullptr) : ojson(rec.cmd)},
        {"Image", rec.image},
        {"ExposedPorts", exposed.empty() ? ojson(nullptr) : exposed},
        {"Volumes", nullptr},
        {"WorkingDir", rec.workdir},
        {"Entrypoint", rec.entrypoint.empty() ? ojson(nullptr) : ojson(rec.entrypoint)},
        {"OnBuild", nullptr},
        {"Labels", rec.labels},
        {"StopSignal", rec.stop_signal},
        {"StopTimeout", rec.stop_timeout},
    };
    if (rec.health) {
        config["Healthcheck"] = {{"Test", rec.health->test}, {"Interval", rec.health->interval_ns},
                                 {"Timeout", rec.health->timeout_ns}, {"StartPeriod", rec.health->start_period_ns},
                                 {"Retries", rec.health->retries}};
    }
    return {
        {"Id", rec.id},
        {"Created", rec.created},
        {"Path", args.empty() ? "" : args[0]},
        {"Args", args.size() > 1 ? ojson(std::vector<std::string>(args.begin() + 1, args.end())) : ojson::array()},
        {"State", state},
        {"Image", rec.image_id.empty() ? rec.image : rec.image_id},
        {"ResolvConfPath", linuxfs::exists(dir + "/resolv.conf") ? dir + "/resolv.conf" : ""},
        {"HostnamePath", dir + "/hostname"},
        {"HostsPath", dir + "/hosts"},
        {"LogPath", rec.host.log.driver == "json-file" ? e.store.log_path(rec.id) : ""},
        {"Name", "/" + rec.name},
        {"RestartCount", live.restart_count},
        {"Driver", rec.rootfs_managed ? "overlay" : "rootfs"},
        {"Platform", "linux"},
        {"MountLabel", ""},
        {"ProcessLabel", ""},
        {"AppArmorProfile", ""},
        {"ExecIDs", nullptr},
        {"HostConfig", to_json(rec.host)},
        {"GraphDriver", {{"Name", rec.rootfs_managed ? "overlay" : "rootfs"}, {"Data", {{"MergedDir", rec.rootfs}}}}},
        {"Mounts", mounts},
        {"Config", config},
        {"NetworkSettings", network_settings(e.store.root(), rec)},
    };
}

std::string template_header(std::string_view tmpl) {
    if (!tmpl.starts_with("table")) return "";
    std::string body = unescape(tmpl.substr(5));
    while (!body.empty() && body[0] == ' ') body.erase(0, 1);
    std::string out;
    size_t i = 0;
    while (i < body.size()) {
        size_t open = body.find("{{", i);
        if (open == std::string::npos) {
            out += body.substr(i);
            break;
        }
        out += body.substr(i, open - i);
        size_t close = body.find("}}", open);
        if (close == std::string::npos) break;
        std::string expr = body.substr(open + 2, close - open - 2);
        while (!expr.empty() && expr[0] == ' ') expr.erase(0, 1);
        while (!expr.empty() && expr.back() == ' ') expr.pop_back();
        if (expr.starts_with(".")) expr.erase(0, 1);
        out += header_name(expr);
        i = close + 2;
    }
    return out;
}

std::string render_template(std::string_view tmpl, const ojson& data) {
    std::string body = tmpl.starts_with("table") ? std::string(tmpl.substr(5)) : std::string(tmpl);
    if (tmpl.starts_with("table")) while (!body.empty() && body[0] == ' ') body.erase(0, 1);
    body = unescape(body);
    std::string out;
    size_t i = 0;
    while (i < body.size()) {
        size_t open = body.find("{{", i);
        if (open == std::string::npos) {
            out += body.substr(i);
            break;
        }
        out += body.substr(i, open - i);
        size_t close = body.find("}}", open);
        if (close == std::string::npos) {
            out += body.substr(open);
            break;
        }
        std::string expr = body.substr(open + 2, close - open - 2);
        while (!expr.empty() && expr[0] == ' ') expr.erase(0, 1);
        while (!expr.empty() && expr.back() == ' ') expr.pop_back();
        bool as_json = false;
        if (expr.starts_with("json ")) {
            as_json = true;
            expr = expr.substr(5);
            while (!expr.empty() && expr[0] == ' ') expr.erase(0, 1);
        }
        const ojson* v = lookup(data, expr);
        if (v == nullptr) out += as_json ? "null" : "<no value>";
        else out += as_json ? v->dump() : value_text(*v);
        i = close + 2;
    }
    return out;
}

}  // namespace brig::engine
