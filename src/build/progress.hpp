// What a build shows while it runs, in BuildKit's plain form (--progress plain; also what a
// terminal gets for now):
//
//   #3 [build 2/4] RUN make
//   #3 0.412 compiling...
//   #3 DONE 1.2s
//   #4 [build 3/4] COPY . /src
//   #4 CACHED
//
// Stages run in parallel, so every call may come from any thread: lines never interleave.
// Quiet (-q) prints nothing; a failed step's output is still kept for the error.
#pragma once

#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace brig::build {

class Progress {
public:
    Progress(FILE* out, bool quiet) : out_(out), quiet_(quiet) {}
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
    struct Step {
        std::chrono::steady_clock::time_point started;
        std::string partial;            // output after the last newline
        std::deque<std::string> lines;  // the last few lines
    };
    void line(int step, std::string_view text);
    void flush_partial(int step);  // output after the last newline, as a line
    FILE* out_;
    bool quiet_;
    mutable std::mutex mu_;
    int next_ = 1;
    std::map<int, Step> steps_;
};

}  // namespace brig::build
