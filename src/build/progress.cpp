#include "build/progress.hpp"

#include <fmt/format.h>

namespace brig::build {

namespace {
constexpr size_t kTailLines = 20;
constexpr size_t kTtyTail = 6;  // lines of a running step shown on a terminal

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

Progress::~Progress() {
    std::lock_guard g(mu_);
    if (mode_ == ProgressMode::Tty && !steps_.empty()) redraw(true);
}

int Progress::start(const std::string& title) {
    std::lock_guard g(mu_);
    int n = next_++;
    auto& s = steps_[n];
    s.title = title;
    s.started = std::chrono::steady_clock::now();
    if (mode_ == ProgressMode::Plain) fmt::print(out_, "#{} {}\n", n, title);
    if (mode_ == ProgressMode::Tty) redraw(false);
    return n;
}

void Progress::line(int step, std::string_view text) {
    auto& s = steps_[step];
    s.lines.emplace_back(text);
    if (s.lines.size() > kTailLines) s.lines.pop_front();
    if (mode_ == ProgressMode::Plain)
        fmt::print(out_, "#{} {:.3f} {}\n", step, seconds(std::chrono::steady_clock::now() - s.started), text);
}

void Progress::flush_partial(int step) {
    auto& s = steps_[step];
    if (s.partial.empty()) return;
    std::string l = std::move(s.partial);
    s.partial.clear();
    line(step, l);
}

void Progress::output(int step, std::string_view chunk) {
    std::lock_guard g(mu_);
    auto& s = steps_[step];
    s.partial.append(chunk);
    size_t nl;
    while ((nl = s.partial.find('\n')) != std::string::npos) {
        std::string l = s.partial.substr(0, nl);
        s.partial.erase(0, nl + 1);
        line(step, l);
    }
    if (mode_ == ProgressMode::Plain) std::fflush(out_);
    if (mode_ == ProgressMode::Tty) redraw(false);
}

void Progress::cached(int step) {
    std::lock_guard g(mu_);
    auto& s = steps_[step];
    s.state = State::Cached;
    s.ended = std::chrono::steady_clock::now();
    if (mode_ == ProgressMode::Plain) fmt::print(out_, "#{} CACHED\n", step);
    if (mode_ == ProgressMode::Tty) redraw(true);
}

void Progress::done(int step) {
    std::lock_guard g(mu_);
    flush_partial(step);
    auto& s = steps_[step];
    s.state = State::Done;
    s.ended = std::chrono::steady_clock::now();
    if (mode_ == ProgressMode::Plain) {
        fmt::print(out_, "#{} DONE {:.1f}s\n", step, seconds(s.ended - s.started));
        std::fflush(out_);
    }
    if (mode_ == ProgressMode::Tty) redraw(true);
}

void Progress::error(int step, const std::string& message) {
    std::lock_guard g(mu_);
    flush_partial(step);
    auto& s = steps_[step];
    s.state = State::Error;
    s.ended = std::chrono::steady_clock::now();
    if (mode_ == ProgressMode::Tty) {
        redraw(true);
        drawn_lines_ = 0;  // the error stays below the view
    }
    fmt::print(out_, "#{} ERROR: {}\n", step, message);
    std::fflush(out_);
}

void Progress::note(const std::string& text) {
    std::lock_guard g(mu_);
    if (mode_ == ProgressMode::Quiet) return;
    if (mode_ == ProgressMode::Tty) drawn_lines_ = 0;
    fmt::print(out_, "{}\n", text);
}

std::string Progress::tail(int step) const {
    std::lock_guard g(mu_);
    auto it = steps_.find(step);
    if (it == steps_.end()) return "";
    std::string out;
    for (auto& l : it->second.lines) out += l + "\n";
    return out;
}

// The whole view again, over the previous one (cursor up, clear each line). At most ten times
// a second unless a step changed state.
void Progress::redraw(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - drawn_at_ < std::chrono::milliseconds(100)) return;
    drawn_at_ = now;
    std::string view;
    int lines = 0, finished = 0;
    for (auto& [n, s] : steps_) finished += s.state != State::Running;
    view += fmt::format("\x1b[2K[+] Building {:.1f}s ({}/{})\n", seconds(now - begun_), finished, steps_.size());
    ++lines;
    for (auto& [n, s] : steps_) {
        double t = seconds((s.state == State::Running ? now : s.ended) - s.started);
        const char* mark = s.state == State::Cached ? "CACHED " : s.state == State::Error ? "ERROR " : "";
        view += fmt::format("\x1b[2K => {}{:<60} {:>5.1f}s\n", mark, s.title.substr(0, 100), t);
        ++lines;
        if (s.state != State::Running) continue;
        size_t from = s.lines.size() > kTtyTail ? s.lines.size() - kTtyTail : 0;
        for (size_t i = from; i < s.lines.size(); ++i) {
            view += fmt::format("\x1b[2K => => # {}\n", s.lines[i].substr(0, 120));
            ++lines;
        }
    }
    std::string up = drawn_lines_ > 0 ? fmt::format("\x1b[{}A", drawn_lines_) : "";
    // Lines left over from a taller previous view are cleared.
    std::string rest;
    for (int i = lines; i < drawn_lines_; ++i) rest += "\x1b[2K\n";
    if (!rest.empty()) rest += fmt::format("\x1b[{}A", drawn_lines_ - lines);
    std::fputs((up + view + rest).c_str(), out_);
    std::fflush(out_);
    drawn_lines_ = lines;
}

}  // namespace brig::build
