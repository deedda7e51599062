#include "engine/logs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "engine/spec.hpp"
#include "linux/fs.hpp"

namespace brig::engine {

using nlohmann::json;

namespace {

struct Entry {
    std::string log, stream, time;
};

bool parse_line(const std::string& line, Entry& e) {
    try {
        json j = json::parse(line);
        e.log = j.value("log", "");
        e.stream = j.value("stream", "stdout");
        e.time = j.value("time", "");
        return true;
    } catch (const json::exception&) {
        return false;
    }
}

bool emit(const Entry& e, const LogsOptions& o) {
    if (o.sink) return o.sink(e.stream == "stderr", o.timestamps ? e.time + " " + e.log : e.log);
    FILE* out = e.stream == "stderr" ? stderr : stdout;
    if (o.timestamps) std::fprintf(out, "%s ", e.time.c_str());
    std::fwrite(e.log.data(), 1, e.log.size(), out);
    std::fflush(out);
    return true;
}

bool in_window(const Entry& e, const std::string& since, const std::string& until) {
    if (!since.empty() && e.time < since) return false;
    if (!until.empty() && e.time > until) return false;
    return true;
}

}  // namespace

Result<std::string> parse_time_filter(std::string_view s) {
    if (s.empty()) return std::string();
    if (s.find('T') != std::string_view::npos || s.find('-') != std::string_view::npos) {
        // RFC 3339: normalise to nanoseconds in UTC so string comparison works.
        auto t = parse_timestamp_ns(s);
        if (!t) return fail("invalid time {:?}", s);
        return format_rfc3339_nano(*t);
    }
    bool numeric = s.find_first_not_of("0123456789.") == std::string_view::npos;
    if (numeric) return format_rfc3339_nano(static_cast<int64_t>(std::stod(std::string(s)) * 1e9));
    auto d = parse_duration(s);
    if (!d) return fail("invalid time {:?}: use an RFC 3339 time, unix seconds, or a duration like 10m", s);
    return format_rfc3339_nano(unix_now_ns() - d->count());
}

Result<void> print_logs(const Engine& e, const ContainerRecord& rec, const LogsOptions& opts) {
    if (rec.host.log.driver == "none")
        return fail("configured logging driver does not support reading: container {} uses --log-driver none", rec.name);
    auto since = parse_time_filter(opts.since);
    if (!since) return std::unexpected(since.error());
    auto until = parse_time_filter(opts.until);
    if (!until) return std::unexpected(until.error());
    std::string path = e.store.log_path(rec.id);
    std::vector<std::string> files;
    for (int n = std::max(rec.host.log.max_file, 1) - 1; n >= 1; --n) {
        std::string f = fmt::format("{}.{}", path, n);
        if (linuxfs::exists(f)) files.push_back(f);
    }
    files.push_back(path);

    std::deque<Entry> tail;
    for (const auto& f : files) {
        std::ifstream in(f);
        for (std::string line; std::getline(in, line);) {
            Entry en;
            if (!parse_line(line, en) || !in_window(en, *since, *until)) continue;
            if (opts.tail) {
                if (*opts.tail == 0) continue;
                tail.push_back(std::move(en));
                if (tail.size() > *opts.tail) tail.pop_front();
            } else if (!emit(en, opts)) {
                return {};
            }
        }
    }
    for (const auto& en : tail)
        if (!emit(en, opts)) return {};
    if (!opts.follow) return {};

    // Follow: read what the monitor appends until the container stops (and the log is drained).
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) return {};
    std::fseek(f, 0, SEEK_END);
    ino_t ino = 0;
    struct stat st {};
    if (::fstat(fileno(f), &st) == 0) ino = st.st_ino;
    std::string partial;
    bool last_round = false;
    while (true) {
        char buf[65536];
        size_t n;
        bool got = false;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
            got = true;
            partial.append(buf, n);
            size_t nl;
            while ((nl = partial.find('\n')) != std::string::npos) {
                Entry en;
                if (parse_line(partial.substr(0, nl), en) && in_window(en, *since, *until) && !emit(en, opts)) {
                    std::fclose(f);
                    return {};
                }
                partial.erase(0, nl + 1);
            }
        }
        std::clearerr(f);
        // Rotated: continue with the new file.
        struct stat now {};
        if (::stat(path.c_str(), &now) == 0 && now.st_ino != ino) {
            std::fclose(f);
            f = std::fopen(path.c_str(), "r");
            if (f == nullptr) return {};
            ino = now.st_ino;
            partial.clear();
            continue;
        }
        if (last_round && !got) break;
        if (!got && opts.sink && !opts.sink(false, "")) break;  // the reader is gone
        auto live = e.store.live_state(rec);
        if (!live.running() && !(live.status == "created" && live.monitor_alive)) last_round = true;
        if (!linuxfs::exists(e.store.dir(rec.id))) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fclose(f);
    return {};
}

}  // namespace brig::engine
