#include "api/exec_request.hpp"

#include <cerrno>
#include <cstdlib>

#include <fmt/core.h>

#include "engine/json_fields.hpp"

namespace brig::api {

using nlohmann::json;

namespace {

Result<json> parse_object(std::string_view body, const char* what) {
    if (body.empty()) return json::object();
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !(j.is_object() || j.is_null())) return fail("invalid JSON in the {} body", what);
    return j.is_null() ? json::object() : j;
}

Result<std::optional<ConsoleSize>> console_size_field(const json& j, const char* path) {
    auto it = j.find("ConsoleSize");
    if (it == j.end() || it->is_null()) return std::optional<ConsoleSize>();
    if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number_unsigned() || !(*it)[1].is_number_unsigned() ||
        (*it)[0].get<uint64_t>() > 65535 || (*it)[1].get<uint64_t>() > 65535)
        return fail("{}.ConsoleSize: expected [height, width]", path);
    return std::optional<ConsoleSize>(ConsoleSize{(*it)[0].get<uint16_t>(), (*it)[1].get<uint16_t>()});
}

}  // namespace

Result<ExecConfig> parse_exec_config(std::string_view body) {
    auto j = parse_object(body, "ExecConfig");
    if (!j) return std::unexpected(j.error());
    ExecConfig c;
    engine::JsonFields f(*j, "ExecConfig");
    f.read("AttachStdin", c.attach_stdin);
    f.read("AttachStdout", c.attach_stdout);
    f.read("AttachStderr", c.attach_stderr);
    f.read("Tty", c.tty);
    f.read("Privileged", c.privileged);
    f.read("Env", c.env);
    f.read("User", c.user);
    f.read("WorkingDir", c.working_dir);
    f.read("DetachKeys", c.detach_keys);
    if (auto it = j->find("Cmd"); it != j->end() && it->is_string()) c.cmd = {it->get<std::string>()};
    else f.read("Cmd", c.cmd);
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    auto size = console_size_field(*j, "ExecConfig");
    if (!size) return std::unexpected(size.error());
    c.console_size = *size;
    if (c.cmd.empty()) return fail("No exec command specified");
    if (!parse_detach_keys(c.detach_keys)) return fail("Invalid escape keys ({}) provided", c.detach_keys);
    return c;
}

Result<ExecStart> parse_exec_start(std::string_view body) {
    auto j = parse_object(body, "ExecStartCheck");
    if (!j) return std::unexpected(j.error());
    ExecStart s;
    engine::JsonFields f(*j, "ExecStartCheck");
    f.read("Detach", s.detach);
    f.read("Tty", s.tty);
    if (auto r = f.result(); !r) return std::unexpected(r.error());
    auto size = console_size_field(*j, "ExecStartCheck");
    if (!size) return std::unexpected(size.error());
    s.console_size = *size;
    return s;
}

engine::ExecRequest to_exec_request(const ExecConfig& c, const std::string& container_id, std::optional<ConsoleSize> start_size) {
    engine::ExecRequest rq;
    rq.id = container_id;
    rq.cmd = c.cmd;
    for (const auto& kv : c.env)
        if (kv.find('=') != std::string::npos && kv.front() != '=') rq.env.push_back(kv);
    rq.user = c.user;
    rq.workdir = c.working_dir;
    rq.tty = c.tty;
    rq.interactive = c.attach_stdin;
    rq.privileged = c.privileged;
    if (auto size = start_size ? start_size : c.console_size) {
        rq.rows = size->height;
        rq.cols = size->width;
    }
    return rq;
}

nlohmann::ordered_json exec_inspect_json(const ExecStatus& s) {
    const auto& c = s.config;
    nlohmann::ordered_json pc;
    pc["tty"] = c.tty;
    pc["entrypoint"] = c.cmd.empty() ? std::string() : c.cmd.front();
    pc["arguments"] = c.cmd.empty() ? std::vector<std::string>() : std::vector<std::string>(c.cmd.begin() + 1, c.cmd.end());
    pc["privileged"] = c.privileged;
    if (!c.user.empty()) pc["user"] = c.user;
    nlohmann::ordered_json j;
    j["ID"] = s.id;
    j["Running"] = s.running;
    j["ExitCode"] = s.exit_code ? nlohmann::ordered_json(*s.exit_code) : nlohmann::ordered_json(nullptr);
    j["ProcessConfig"] = std::move(pc);
    j["OpenStdin"] = c.attach_stdin;
    j["OpenStderr"] = c.attach_stderr;
    j["OpenStdout"] = c.attach_stdout;
    j["CanRemove"] = !s.running && s.exit_code.has_value();
    j["ContainerID"] = s.container_id;
    j["DetachKeys"] = c.detach_keys;
    j["Pid"] = s.pid;
    return j;
}

Result<ConsoleSize> parse_console_size(const std::optional<std::string>& h, const std::optional<std::string>& w) {
    uint16_t out[2] = {0, 0};
    const std::optional<std::string>* in[2] = {&h, &w};
    for (int i = 0; i < 2; ++i) {
        const char* name = i == 0 ? "h" : "w";
        std::string v = in[i]->value_or("");
        char* end = nullptr;
        errno = 0;
        long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || errno != 0 || *end != '\0') return fail("invalid value for {:?}: {:?} is not an integer", name, v);
        if (n < 0 || n > 65535) return fail("invalid value for {:?}: {} is out of range (0 to 65535)", name, n);
        out[i] = static_cast<uint16_t>(n);
    }
    return ConsoleSize{out[0], out[1]};
}

Result<std::string> parse_detach_keys(std::string_view spec) {
    if (spec.empty()) spec = "ctrl-p,ctrl-q";
    std::string out;
    while (true) {
        size_t comma = spec.find(',');
        std::string_view key = spec.substr(0, comma);
        if (key.size() == 1) {
            out.push_back(key[0]);
        } else if (key == "DEL") {
            out.push_back('\x7f');
        } else if (key.size() == 6 && key.starts_with("ctrl-")) {
            char c = key[5];
            static constexpr std::string_view kPunct = "[\\]^_";  // 27..31
            if (c >= 'a' && c <= 'z') out.push_back(static_cast<char>(c - 'a' + 1));
            else if (c == '@') out.push_back('\0');
            else if (auto p = kPunct.find(c); p != std::string_view::npos) out.push_back(static_cast<char>(27 + p));
            else return fail("Unknown character: '{}'", key);
        } else {
            return fail("Unknown character: '{}'", key);
        }
        if (comma == std::string_view::npos) break;
        spec.remove_prefix(comma + 1);
    }
    return out;
}

std::string DetachScanner::feed(std::string_view in, bool& detached) {
    std::string out;
    for (char c : in) {
        if (keys_.empty()) {
            out.push_back(c);
            continue;
        }
        if (keys_[held_.size()] != c) {  // not the sequence: what was held passes on
            out += held_;
            held_.clear();
        }
        if (keys_[held_.size()] == c) {
            held_.push_back(c);
            if (held_.size() == keys_.size()) {
                held_.clear();
                detached = true;
                return out;
            }
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace brig::api
