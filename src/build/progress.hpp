// What a build shows while it runs. Plain (--progress plain, or not a terminal), as BuildKit's
// plain output:
//
//   #3 [build 2/4] RUN make
//   #3 0.412 compiling...
//   #3 DONE 1.2s
//   #4 [build 3/4] COPY . /src
//   #4 CACHED
//
// On a terminal (--progress tty, or auto on a tty), a view redrawn in place, as BuildKit's:
// one line per step with its time ("CACHED" for hits), the last lines of running steps
// below them, and a "[+] Building 3.2s (4/7)" header.
// Stages run in parallel, so every call may come from any thread. Quiet (-q) prints nothing;
// a failed step's output is still kept for the error.
#pragma once

#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace brig::build {

enum class ProgressMode { Plain, Tty, Quiet };

class Progress {
public:
    Progress(FILE* out, ProgressMode mode) : out_(out), mode_(mode) {}
    ~Progress();
    // A new step; returns its number (#n).
    int start(const std::string& title);
    void output(int step, std::string_view chunk);
    void cached(int step);
    void done(int step);
    void error(int step, const std::string& message);
    void note(const std::string& line);  // "WARNING: ..." and the like
    // The last lines the step printed (a failed RUN's error shows them).
    std::string tail(int step) const;

private:
    enum class State { Running, Cached, Done, Error };
    struct Step {
        std::string title;
        std::chrono::steady_clock::time_point started, ended;
        State state = State::Running;
        std::string partial;            // output after the last newline
        std::deque<std::string> lines;  // the last few lines
    };
    void line(int step, std::string_view text);
    void flush_partial(int step);  // output after the last newline, as a line
    void redraw(bool force);       // tty mode
    FILE* out_;
    ProgressMode mode_;
    mutable std::mutex mu_;
    int next_ = 1;
    std::map<int, Step> steps_;
    std::chrono::steady_clock::time_point begun_ = std::chrono::steady_clock::now(), drawn_at_;
    int drawn_lines_ = 0;
};

}  // namespace brig::build
