#include "api/progress_json.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace brig::api {

using ojson = nlohmann::ordered_json;

namespace {

bool short_hex_id(std::string_view s) {
    return s.size() >= 12 && s.size() <= 64 && std::ranges::all_of(s, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string line_of(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n"; }

}  // namespace

std::string status_json(std::string_view line) {
    size_t colon = line.find(": ");
    if (colon != std::string_view::npos && short_hex_id(line.substr(0, colon)))
        return line_of(ojson{{"status", line.substr(colon + 2)}, {"progressDetail", ojson::object()}, {"id", line.substr(0, colon)}});
    return line_of(ojson{{"status", line}});
}

std::string stream_json(std::string_view text) { return line_of(ojson{{"stream", text}}); }

std::string error_json(std::string_view message) {
    return line_of(ojson{{"errorDetail", {{"message", message}}}, {"error", message}});
}

LineFile::LineFile(std::function<void(std::string_view)> on_line) : on_line_(std::move(on_line)) {
    cookie_io_functions_t io{};
    io.write = &LineFile::write_cb;
    file_ = ::fopencookie(this, "w", io);
    if (file_) std::setvbuf(file_, nullptr, _IOLBF, 4096);
}

LineFile::~LineFile() {
    if (file_) std::fclose(file_);
    if (!partial_.empty()) on_line_(partial_);
}

ssize_t LineFile::write_cb(void* self, const char* data, size_t n) {
    auto* f = static_cast<LineFile*>(self);
    f->partial_.append(data, n);
    size_t start = 0;
    for (size_t nl; (nl = f->partial_.find('\n', start)) != std::string::npos; start = nl + 1)
        f->on_line_(std::string_view(f->partial_).substr(start, nl - start));
    f->partial_.erase(0, start);
    return static_cast<ssize_t>(n);
}

}  // namespace brig::api
