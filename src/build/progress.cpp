#include "build/progress.hpp"

#include <fmt/format.h>

namespace brig::build {

namespace {
constexpr size_t kTailLines = 20;
}

int Progress::start(const std::string& title) {
    std::lock_guard g(mu_);
    int n = next_++;
    steps_[n].started = std::chrono::steady_clock::now();
    if (!quiet_) fmt::print(out_, "#{} {}\n", n, title);
    return n;
}

void Progress::line(int step, std::string_view text) {
    auto& s = steps_[step];
    s.lines.emplace_back(text);
    if (s.lines.size() > kTailLines) s.lines.pop_front();
    if (quiet_) return;
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count();
    fmt::print(out_, "#{} {:.3f} {}\n", step, t, text);
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
    if (!quiet_) std::fflush(out_);
}

void Progress::cached(int step) {
    std::lock_guard g(mu_);
    if (!quiet_) fmt::print(out_, "#{} CACHED\n", step);
}

void Progress::done(int step) {
    std::lock_guard g(mu_);
    flush_partial(step);
    auto& s = steps_[step];
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count();
    if (!quiet_) fmt::print(out_, "#{} DONE {:.1f}s\n", step, t);
    if (!quiet_) std::fflush(out_);
}

void Progress::error(int step, const std::string& message) {
    std::lock_guard g(mu_);
    flush_partial(step);
    fmt::print(out_, "#{} ERROR: {}\n", step, message);
    std::fflush(out_);
}

void Progress::note(const std::string& text) {
    std::lock_guard g(mu_);
    if (!quiet_) fmt::print(out_, "{}\n", text);
}

std::string Progress::tail(int step) const {
    std::lock_guard g(mu_);
    auto it = steps_.find(step);
    if (it == steps_.end()) return "";
    std::string out;
    for (auto& l : it->second.lines) out += l + "\n";
    return out;
}

}  // namespace brig::build
