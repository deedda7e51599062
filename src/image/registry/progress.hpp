// Transfer progress for pull and push, one line per blob. On a terminal the lines are redrawn
// in place a few times a second ("3f4d90098f5b: Downloading [=====>    ] 1.2MB/3.4MB"); otherwise
// a plain line is printed when a blob starts and when it is done, so logs stay readable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace brig::registry {

class TransferProgress {
public:
    // `out` null: silent. `tty`: redraw in place (else plain lines).
    TransferProgress(FILE* out, bool tty);
    ~TransferProgress();
    TransferProgress(const TransferProgress&) = delete;
    TransferProgress& operator=(const TransferProgress&) = delete;

    // A new line for a blob (`id` is shown shortened); returns its slot.
    size_t add(const std::string& id, int64_t total, const std::string& status);
    void set_bytes(size_t slot, uint64_t done);
    void set_status(size_t slot, const std::string& status, bool final = false);
    // A message printed above the bars (or as is).
    void message(const std::string& text);
    // Draw the final state and stop the redraw thread.
    void finish();

    // "1.2MB", "512B": the short sizes docker prints.
    static std::string human_size(double bytes);

private:
    struct Line {
        std::string id;
        int64_t total = -1;
        std::atomic<uint64_t> done{0};
        std::string status;
        bool final = false;
    };
    void render_locked();
    std::string format_line(const Line& l) const;

    FILE* out_;
    bool tty_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Line> lines_;  // deque: stable addresses while lines are added
    size_t drawn_ = 0;        // lines drawn last time (to move the cursor back up)
    bool stop_ = false;
    bool finished_ = false;
    std::thread redraw_;
};

}  // namespace brig::registry
