// docker's JSON message stream (pull, push, load, build): one JSON object per line, as
// `{"status":"Downloading","id":"3f4d90098f5b"}`, `{"stream":"Loaded image: x\n"}` or, at the
// end of a failed operation, `{"errorDetail":{"message":M},"error":M}`.
//
// The registry code reports progress as text lines on a FILE* ("3f4d90098f5b: Pull complete");
// LineFile is such a FILE* whose lines go to a callback, and status_json() turns each into
// docker's message.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace brig::api {

// "ID: STATUS" with a short hex id -> {"status":STATUS,"id":ID}; any other line -> {"status":LINE}.
std::string status_json(std::string_view line);
std::string stream_json(std::string_view text);  // {"stream":TEXT}
std::string error_json(std::string_view message);

// A FILE* (line-buffered, write-only) that hands each complete line, without its newline, to
// `on_line`; a last partial line is handed over at close. Owns the FILE.
class LineFile {
public:
    explicit LineFile(std::function<void(std::string_view)> on_line);
    ~LineFile();
    LineFile(const LineFile&) = delete;
    LineFile& operator=(const LineFile&) = delete;
    FILE* get() const { return file_; }

private:
    static ssize_t write_cb(void* self, const char* data, size_t n);
    std::function<void(std::string_view)> on_line_;
    std::string partial_;
    FILE* file_ = nullptr;
};

}  // namespace brig::api
