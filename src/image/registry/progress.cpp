#include "image/registry/progress.hpp"

#include <fmt/format.h>

#include <chrono>

namespace brig::registry {

namespace {
constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(150);
}  // namespace

TransferProgress::TransferProgress(FILE* out, bool tty) : out_(out), tty_(tty && out != nullptr) {
    if (tty_) {
        redraw_ = std::thread([this] {
            std::unique_lock lock(mu_);
            while (!stop_) {
                cv_.wait_for(lock, kRedrawInterval);
                render_locked();
            }
        });
    }
}

TransferProgress::~TransferProgress() { finish(); }

std::string TransferProgress::human_size(double bytes) {
    static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (bytes >= 1000 && u < 4) {
        bytes /= 1000;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f}{}", bytes, kUnits[u]) : fmt::format("{:.3g}{}", bytes, kUnits[u]);
}

size_t TransferProgress::add(const std::string& id, int64_t total, const std::string& status) {
    std::lock_guard lock(mu_);
    auto& l = lines_.emplace_back();
    l.id = id;
    l.total = total;
    l.status = status;
    return lines_.size() - 1;
}

void TransferProgress::set_bytes(size_t slot, uint64_t done) {
    std::lock_guard lock(mu_);
    if (slot < lines_.size()) lines_[slot].done.store(done, std::memory_order_relaxed);
}

void TransferProgress::set_status(size_t slot, const std::string& status, bool final) {
    std::lock_guard lock(mu_);
    if (slot >= lines_.size()) return;
    auto& l = lines_[slot];
    bool changed = l.status != status || (final && !l.final);
    l.status = status;
    l.final = final;
    // Plain lines: only the start of a transfer and its outcome (no "Waiting"/"Preparing" noise).
    bool worth_a_line = final || status == "Downloading" || status == "Pushing";
    if (!tty_ && out_ != nullptr && changed && worth_a_line) {
        fmt::print(out_, "{}: {}\n", l.id, status);
        std::fflush(out_);
    }
}

void TransferProgress::message(const std::string& text) {
    std::lock_guard lock(mu_);
    if (out_ == nullptr) return;
    if (tty_ && drawn_ > 0) {
        // Clear the bars, print the message, redraw below it.
        fmt::print(out_, "\x1b[{}A\x1b[J", drawn_);
        drawn_ = 0;
    }
    fmt::print(out_, "{}\n", text);
    if (tty_) render_locked();
    std::fflush(out_);
}

std::string TransferProgress::format_line(const Line& l) const {
    uint64_t done = l.done.load(std::memory_order_relaxed);
    std::string s = fmt::format("{}: {}", l.id, l.status);
    if (l.final || l.total <= 0 || (done == 0 && l.status != "Downloading" && l.status != "Pushing")) return s;
    double frac = std::min(1.0, double(done) / double(l.total));
    int fill = int(frac * kBarWidth);
    std::string bar(kBarWidth, ' ');
    for (int i = 0; i < fill; ++i) bar[i] = '=';
    if (fill < kBarWidth) bar[fill] = '>';
    return s + fmt::format(" [{}] {}/{}", bar, human_size(double(done)), human_size(double(l.total)));
}

void TransferProgress::render_locked() {
    if (!tty_ || out_ == nullptr) return;
    std::string buf;
    if (drawn_ > 0) buf += fmt::format("\x1b[{}A", drawn_);
    for (const auto& l : lines_) buf += "\x1b[2K" + format_line(l) + "\n";
    drawn_ = lines_.size();
    std::fputs(buf.c_str(), out_);
    std::fflush(out_);
}

void TransferProgress::finish() {
    {
        std::lock_guard lock(mu_);
        if (finished_) return;
        finished_ = true;
        stop_ = true;
    }
    cv_.notify_all();
    if (redraw_.joinable()) redraw_.join();
    std::lock_guard lock(mu_);
    render_locked();
}

}  // namespace brig::registry
