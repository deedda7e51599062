#include "engine/monitor/log_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/time.hpp"

namespace brig::monitor {

std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default:
                    if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04x}", c);
                    else out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // Multi-byte UTF-8: copy when well-formed, else U+FFFD for this byte.
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len != 0 && i + len <= s.size();
        for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xef\xbf\xbd";
            ++i;
        }
    }
    out += '"';
    return out;
}

LogWriter::~LogWriter() {
    flush();
    if (fd_ >= 0) ::close(fd_);
}

bool LogWriter::open(std::string path, uint64_t max_size, int max_file) {
    path_ = std::move(path);
    max_size_ = max_size;
    max_file_ = max_file < 1 ? 1 : max_file;
    if (path_.empty()) return true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) return false;
    struct stat st {};
    if (::fstat(fd_, &st) == 0) size_ = static_cast<uint64_t>(st.st_size);
    return true;
}

void LogWriter::rotate() {
    ::close(fd_);
    fd_ = -1;
    if (max_file_ <= 1) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    } else {
        for (int n = max_file_ - 1; n >= 1; --n) {
            std::string from = n == 1 ? path_ : fmt::format("{}.{}", path_, n - 1);
            ::rename(from.c_str(), fmt::format("{}.{}", path_, n).c_str());
        }
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    }
    size_ = 0;
}

void LogWriter::emit(std::string_view stream, std::string_view line) {
    if (fd_ < 0 && path_.empty()) return;
    std::string entry =
        fmt::format("{{\"log\":{},\"stream\":\"{}\",\"time\":\"{}\"}}\n", json_quote(line), stream, now_rfc3339_nano());
    if (max_size_ > 0 && size_ > 0 && size_ + entry.size() > max_size_) rotate();
    if (fd_ < 0) return;
    size_t off = 0;
    while (off < entry.size()) {
        ssize_t n = ::write(fd_, entry.data() + off, entry.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // a full disk loses log lines, never the container
        }
        off += static_cast<size_t>(n);
    }
    size_ += entry.size();
}

void LogWriter::write(std::string_view stream, std::string_view data) {
    if (path_.empty()) return;
    std::string& part = partial_[stream == "stderr" ? 1 : 0];
    size_t start = 0;
    while (start < data.size()) {
        size_t nl = data.find('\n', start);
        if (nl == std::string_view::npos) {
            part.append(data.substr(start));
            // Very long lines are cut into 16 KiB entries, as docker does.
            if (part.size() >= 16384) {
                emit(stream, part);
                part.clear();
            }
            return;
        }
        part.append(data.substr(start, nl + 1 - start));
        emit(stream, part);
        part.clear();
        start = nl + 1;
    }
}

void LogWriter::flush() {
    if (!partial_[0].empty()) emit("stdout", partial_[0]);
    if (!partial_[1].empty()) emit("stderr", partial_[1]);
    partial_[0].clear();
    partial_[1].clear();
}

}  // namespace brig::monitor
