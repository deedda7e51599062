// What a build prints: BuildKit's plain lines, the terminal view, and quiet mode keeping a
// failed step's output for the error.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "build/progress.hpp"

namespace brig::build {
namespace {

std::string printed(ProgressMode mode, std::string* tail = nullptr) {
    char* buf = nullptr;
    size_t len = 0;
    FILE* f = ::open_memstream(&buf, &len);
    {
        Progress p(f, mode);
        int a = p.start("[a 1/2] RUN make");
        p.output(a, "one\ntw");
        p.output(a, "o\nlast without newline");
        p.done(a);
        int b = p.start("[a 2/2] COPY . /src");
        p.cached(b);
        int c = p.start("[b 2/2] RUN false");
        p.output(c, "why\n");
        p.error(c, "exit code: 1");
        if (tail) *tail = p.tail(c);
    }
    std::fclose(f);
    std::string out(buf, len);
    std::free(buf);
    return out;
}

TEST(Progress, PlainIsBuildkitsFormat) {
    auto out = printed(ProgressMode::Plain);
    EXPECT_NE(out.find("#1 [a 1/2] RUN make\n"), std::string::npos) << out;
    EXPECT_NE(out.find(" one\n"), std::string::npos);
    EXPECT_NE(out.find(" two\n"), std::string::npos);
    EXPECT_NE(out.find(" last without newline\n"), std::string::npos);
    EXPECT_NE(out.find("#1 DONE "), std::string::npos);
    EXPECT_NE(out.find("#2 CACHED\n"), std::string::npos);
    EXPECT_NE(out.find("#3 ERROR: exit code: 1\n"), std::string::npos);
}

TEST(Progress, TtyRedrawsAViewWithTimesAndCached) {
    auto out = printed(ProgressMode::Tty);
    EXPECT_NE(out.find("[+] Building "), std::string::npos) << out;
    EXPECT_NE(out.find(" => CACHED [a 2/2] COPY . /src"), std::string::npos) << out;
    EXPECT_NE(out.find("\x1b["), std::string::npos);  // cursor movement: drawn in place
    EXPECT_NE(out.find("#3 ERROR: exit code: 1"), std::string::npos);
}

TEST(Progress, QuietPrintsOnlyErrorsButKeepsTheTail) {
    std::string tail;
    auto out = printed(ProgressMode::Quiet, &tail);
    EXPECT_EQ(out.find("RUN make"), std::string::npos) << out;
    EXPECT_NE(out.find("ERROR: exit code: 1"), std::string::npos);
    EXPECT_EQ(tail, "why\n");
}

}  // namespace
}  // namespace brig::build
