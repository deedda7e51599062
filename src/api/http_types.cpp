#include "api/http_types.hpp"

#include <cstdlib>

namespace brig::api {

using nlohmann::json;

std::string Request::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::q(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
}

bool Request::q_bool(const std::string& name, bool dflt) const {
    auto v = q(name);
    if (!v) return dflt;
    return !(v->empty() || *v == "0" || *v == "no" || *v == "false" || *v == "none" || *v == "False");
}

Result<std::optional<long long>> Request::q_int(const std::string& name) const {
    auto v = q(name);
    if (!v || v->empty()) return std::optional<long long>();
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (errno != 0 || end == v->c_str() || *end != '\0') return fail("invalid value for {:?}: {:?} is not an integer", name, *v);
    return std::optional<long long>(n);
}

Result<json> Request::json_body() const {
    if (body.empty()) return json::object();
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) return fail("invalid JSON in the request body");
    return j;
}

Response Response::json(int status, const nlohmann::json& j) {
    Response r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
}

Response Response::json(int status, const nlohmann::ordered_json& j) {
    Response r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    return r;
}

Response Response::no_content(int status) {
    Response r;
    r.status = status;
    return r;
}

Response error_response(int status, std::string_view message) {
    return Response::json(status, json{{"message", std::string(message)}});
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 101: return "UPGRADED";
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 413: return "Payload Too Large";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

std::string stdcopy_frame(int stream, std::string_view payload) {
    std::string out(8, '\0');
    out[0] = static_cast<char>(stream);
    auto n = static_cast<uint32_t>(payload.size());
    for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
    out.append(payload);
    return out;
}

std::string_view stream_content_type(bool tty) {
    return tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
}

Result<std::string> url_decode(std::string_view s, bool plus_is_space) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return fail("bad escape in {:?}", s);
            int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
            if (hi < 0 || lo < 0) return fail("bad escape in {:?}", s);
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

Result<std::multimap<std::string, std::string>> parse_query(std::string_view qs) {
    std::multimap<std::string, std::string> out;
    while (!qs.empty()) {
        size_t amp = qs.find('&');
        std::string_view part = qs.substr(0, amp);
        qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
        if (part.empty()) continue;
        size_t eq = part.find('=');
        auto k = url_decode(part.substr(0, eq), true);
        if (!k) return std::unexpected(k.error());
        auto v = url_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
        if (!v) return std::unexpected(v.error());
        out.emplace(std::move(*k), std::move(*v));
    }
    return out;
}

Result<Filters> parse_filters(std::string_view text) {
    Filters out;
    if (text.empty()) return out;
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("invalid filters: {:?} is not a JSON object", text);
    for (const auto& [key, val] : j.items()) {
        auto& vals = out[key];
        if (val.is_array()) {
            for (const auto& v : val) {
                if (!v.is_string()) return fail("invalid filters: the values of {:?} must be strings", key);
                vals.push_back(v.get<std::string>());
            }
        } else if (val.is_object()) {
            for (const auto& [v, on] : val.items())
                if (!on.is_boolean() || on.get<bool>()) vals.push_back(v);
        } else {
            return fail("invalid filters: {:?} must be a list of strings", key);
        }
    }
    return out;
}

}  // namespace brig::api
