// The json-file log driver: one JSON object per line, {"log":"...","stream":"stdout","time":"..."}
// (docker's format), size-capped with rotation to <path>.1 .. <path>.<max_file-1>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace brig::monitor {

// A JSON string literal (with quotes) for arbitrary bytes: invalid UTF-8 bytes become U+FFFD.
std::string json_quote(std::string_view s);

class LogWriter {
public:
    LogWriter() = default;
    LogWriter(const LogWriter&) = delete;
    LogWriter& operator=(const LogWriter&) = delete;
    ~LogWriter();
    // path "" = log driver none.
    bool open(std::string path, uint64_t max_size, int max_file);
    // Appends `data` from `stream` ("stdout"/"stderr"), one entry per line; a line without
    // its newline yet is kept until the rest comes (or flush()).
    void write(std::string_view stream, std::string_view data);
    void flush();

private:
    void emit(std::string_view stream, std::string_view line);
    void rotate();
    std::string path_;
    int fd_ = -1;
    uint64_t size_ = 0, max_size_ = 0;
    int max_file_ = 1;
    std::string partial_[2];
};

}  // namespace brig::monitor
