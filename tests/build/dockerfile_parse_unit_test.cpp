// The Dockerfile parser (build/dockerfile/parser.hpp): directives, comments, continuations,
// keywords, flags, the JSON form, stages and locations.
#include <gtest/gtest.h>

#include "build/dockerfile/parser.hpp"

namespace df = brig::build::dockerfile;

namespace {

df::Dockerfile parse_ok(std::string_view text) {
    auto r = df::parse(text);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : df::Dockerfile{};
}

// The first instruction after "FROM scratch".
df::Instruction first(std::string_view body) {
    df::Dockerfile d = parse_ok("FROM scratch\n" + std::string(body));
    EXPECT_EQ(d.stages.size(), 1u);
    if (d.stages.empty() || d.stages[0].body.empty()) return {};
    return d.stages[0].body[0];
}

}  // namespace

TEST(DockerfileParse, StagesKeywordsAndLocations) {
    auto d = parse_ok("from alpine:3 AS Build\n  run echo hi\n\nFROM build\nCMD [\"x\"]\n");
    ASSERT_EQ(d.stages.size(), 2u);
    EXPECT_EQ(d.stages[0].name, "build");
    EXPECT_EQ(d.stages[0].from.keyword, "FROM");
    EXPECT_EQ(d.stages[0].from.text, "alpine:3 AS Build");
    ASSERT_EQ(d.stages[0].body.size(), 1u);
    const df::Instruction& run = d.stages[0].body[0];
    EXPECT_EQ(run.keyword, "RUN");
    EXPECT_EQ(run.text, "echo hi");
    EXPECT_EQ(run.original, "run echo hi");
    EXPECT_EQ(df::to_string(run.loc), "Dockerfile:2:3");
    EXPECT_EQ(d.stages[1].name, "");
    EXPECT_EQ(d.stages[1].from.loc.line, 4);
    EXPECT_EQ(d.stages[1].body[0].keyword, "CMD");
    EXPECT_EQ(d.escape, '\\');
    EXPECT_EQ(d.syntax, "");
}

TEST(DockerfileParse, EveryKeywordInAnyCase) {
    for (const char* kw : {"add", "Arg", "cmd", "copy", "entrypoint", "env", "expose", "healthcheck", "label",
                           "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir"}) {
        std::string line = std::string(kw) + " ";
        std::string lower = line;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "add " || lower == "copy ") line += "a b";
        else if (lower == "env " || lower == "label ") line += "k=v";
        else if (lower == "healthcheck ") line += "NONE";
        else if (lower == "onbuild ") line += "RUN x";
        else if (lower == "shell ") line += "[\"sh\"]";
        else line += "x";
        df::Instruction i = first(line);
        std::string upper = kw;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        EXPECT_EQ(i.keyword, upper) << kw;
    }
}

TEST(DockerfileParse, Directives) {
    auto d = parse_ok("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\n");
    EXPECT_EQ(d.syntax, "docker/dockerfile:1");
    EXPECT_EQ(d.escape, '`');
    // White space anywhere, any case, "check" known and ignored.
    for (const char* text : {"#escape=`\nFROM x", "# ESCAPE = `\nFROM x", "#\tescape= `  \nFROM x",
                             "  # eScApE=`\nFROM x", "# check=skip=all\n# escape=`\nFROM x"})
        EXPECT_EQ(parse_ok(text).escape, '`') << text;
}

TEST(DockerfileParse, DirectivesStopAtTheFirstOtherLine) {
    for (const char* text : {"FROM x\n# escape=`\n", "# a comment\n# escape=`\nFROM x", "\n# escape=`\nFROM x",
                             "# unknown=1\n# escape=`\nFROM x", "# escape=\nFROM x"}) {
        auto d = parse_ok(text);
        EXPECT_EQ(d.escape, '\\') << text;
    }
    // A directive-looking comment later is an ordinary comment, even a repeated one.
    auto d = parse_ok("# escape=`\nFROM x\n# escape=\\\nRUN a `\n b\n");
    EXPECT_EQ(d.escape, '`');
    EXPECT_EQ(d.stages[0].body[0].text, "a  b");
}

TEST(DockerfileParse, ContinuationsWithCommentsAndBlankLines) {
    df::Instruction i = first(
        "RUN apt-get update && \\\n"
        "# a comment inside\n"
        "    # an indented one\n"
        "    apt-get install -y x \\\n"
        "\n"
        "   \t\n"
        "    && echo done\n"
        "USER me\n");
    EXPECT_EQ(i.text, "apt-get update &&     apt-get install -y x     && echo done");
    EXPECT_EQ(i.original, "RUN apt-get update &&     apt-get install -y x     && echo done");
    EXPECT_EQ(i.loc.line, 2);
    // White space after the escape still continues; a lone escape line joins too.
    EXPECT_EQ(first("RUN a \\  \t\n b").text, "a  b");
    EXPECT_EQ(first("RUN a\\\n\\\nb").text, "ab");
    // Ends at the end of the file.
    EXPECT_EQ(first("RUN a \\").text, "a");
}

TEST(DockerfileParse, HashStartsACommentOnlyAtTheStartOfALine) {
    auto d = parse_ok("FROM x\n   # indented comment\nRUN echo hi # not a comment\n#RUN no\n");
    ASSERT_EQ(d.stages[0].body.size(), 1u);
    EXPECT_EQ(d.stages[0].body[0].text, "echo hi # not a comment");
}

TEST(DockerfileParse, BacktickEscapeWithWindowsPaths) {
    auto d = parse_ok(
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore\n"
        "COPY testfile.txt c:\\\n"
        "RUN dir c:\\\n"
        "WORKDIR C:\\Users\\x `\n"
        "   \\sub\n");
    ASSERT_EQ(d.stages[0].body.size(), 3u);
    EXPECT_EQ(d.stages[0].body[0].text, "testfile.txt c:\\");
    EXPECT_EQ(d.stages[0].body[1].text, "dir c:\\");
    EXPECT_EQ(d.stages[0].body[2].text, "C:\\Users\\x    \\sub");
    // With the default escape the same lines join into one COPY, as the reference warns.
    auto plain = parse_ok("FROM x\nCOPY testfile.txt c:\\\nRUN dir c:\\\n");
    ASSERT_EQ(plain.stages[0].body.size(), 1u);
    EXPECT_EQ(plain.stages[0].body[0].text, "testfile.txt c:RUN dir c:");
}

TEST(DockerfileParse, FlagsWithValuesAndLocations) {
    df::Instruction c = first("COPY --from=build --chown=\"1000:1000\" --chmod=755 --link src/ /dst/");
    ASSERT_EQ(c.flags.size(), 4u);
    EXPECT_EQ(c.flags[0].name, "from");
    EXPECT_EQ(c.flags[0].value, "build");
    EXPECT_EQ(df::to_string(c.flags[0].loc), "Dockerfile:2:6");
    EXPECT_EQ(c.flags[1].value, "1000:1000");
    EXPECT_EQ(c.flags[1].loc.column, 19);
    EXPECT_EQ(c.flags[2].value, "755");
    EXPECT_EQ(c.flags[3].name, "link");
    EXPECT_EQ(c.flags[3].value, "true");
    EXPECT_EQ(c.text, "src/ /dst/");

    df::Instruction r = first("RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t \\\n  --network=none make");
    ASSERT_EQ(r.flags.size(), 3u);
    EXPECT_EQ(r.flags[0].value, "type=cache,target=/c");
    EXPECT_EQ(r.flags[1].value, "type=tmpfs,target=/t");
    EXPECT_EQ(r.flags[2].name, "network");
    EXPECT_EQ(df::to_string(r.flags[2].loc), "Dockerfile:3:3");
    EXPECT_EQ(r.text, "make");

    EXPECT_EQ(first("COPY --link=false a b").flags[0].value, "false");
    EXPECT_EQ(first("ADD --keep-git-dir --checksum=sha256:x a b").flags.size(), 2u);
    EXPECT_EQ(first("HEALTHCHECK --interval=5s --timeout=1s --start-period=2s --start-interval=1s --retries=3 CMD x")
                  .flags.size(),
              5u);
    EXPECT_EQ(parse_ok("FROM --platform=$BUILDPLATFORM x").stages[0].from.flags[0].value, "$BUILDPLATFORM");
    // A bare "--" ends the flags; a word starting "-" alone is an argument.
    df::Instruction dd = first("RUN -- --not-a-flag");
    EXPECT_TRUE(dd.flags.empty());
    EXPECT_EQ(dd.text, "--not-a-flag");
    EXPECT_EQ(first("RUN -x --y").text, "-x --y");
}

TEST(DockerfileParse, JsonFormOrShellForm) {
    struct Case {
        const char* line;
        bool json;
        std::vector<std::string> args;
    } cases[] = {
        {"CMD [\"a\", \"b c\"]", true, {"a", "b c"}},
        {"ENTRYPOINT   [ \"/bin/x\" ]  ", true, {"/bin/x"}},
        {"CMD []", true, {}},
        {"RUN [\"echo\", \"\\u00e9\\n\"]", true, {"echo", "\xC3\xA9\n"}},
        {"SHELL [\"powershell\", \"-Command\"]", true, {"powershell", "-Command"}},
        {"COPY [\"a b\", \"/c d/\"]", true, {"a b", "/c d/"}},
        {"VOLUME [\"/data\"]", true, {"/data"}},
        {"CMD [\"a\" \"b\"]", false, {}},      // not JSON: shell form
        {"CMD ['a']", false, {}},
        {"CMD [\"a\"] extra", false, {}},
        {"RUN [ -f x ] && echo", false, {}},
        {"CMD echo [\"a\"]", false, {}},
        {"USER [\"a\"]", false, {}},          // no JSON form at all
    };
    for (const Case& c : cases) {
        df::Instruction i = first(c.line);
        EXPECT_EQ(i.json_form, c.json) << c.line;
        EXPECT_EQ(i.json_args, c.args) << c.line;
    }
    df::Instruction h = first("HEALTHCHECK --retries=2 CMD [\"curl\", \"-f\", \"http://x/\"]");
    EXPECT_TRUE(h.json_form);
    EXPECT_EQ(h.json_args, (std::vector<std::string>{"curl", "-f", "http://x/"}));
    EXPECT_EQ(h.text, "CMD [\"curl\", \"-f\", \"http://x/\"]");
}

TEST(DockerfileParse, GlobalArgsAndStages) {
    auto d = parse_ok("ARG BASE=alpine\nARG TAG\nFROM ${BASE}:${TAG} AS one\nARG TAG\nFROM one\nFROM scratch AS Three\n");
    ASSERT_EQ(d.global_args.size(), 2u);
    EXPECT_EQ(d.global_args[0].text, "BASE=alpine");
    ASSERT_EQ(d.stages.size(), 3u);
    EXPECT_EQ(d.stages[0].from.text, "${BASE}:${TAG} AS one");
    EXPECT_EQ(d.stages[0].body.size(), 1u);
    EXPECT_EQ(d.stages[2].name, "three");
}

TEST(DockerfileParse, OnbuildAndMaintainer) {
    df::Instruction o = first("ONBUILD RUN --mount=type=cache,target=/c echo hi");
    EXPECT_EQ(o.keyword, "ONBUILD");
    EXPECT_EQ(o.text, "RUN --mount=type=cache,target=/c echo hi");
    EXPECT_TRUE(o.flags.empty());
    EXPECT_EQ(first("MAINTAINER Jane <j@example.com>").text, "Jane <j@example.com>");
}

TEST(DockerfileParse, CrlfAndByteOrderMark) {
    auto d = parse_ok("\xEF\xBB\xBF# escape=`\r\nFROM x\r\nRUN a `\r\n  b\r\n");
    EXPECT_EQ(d.escape, '`');
    EXPECT_EQ(d.stages[0].body[0].text, "a   b");
    EXPECT_EQ(d.stages[0].from.loc.line, 2);
}

TEST(DockerfileParse, ParseTrigger) {
    auto t = df::parse_trigger("COPY --chown=1 a b");
    ASSERT_TRUE(t.has_value()) << t.error().message;
    EXPECT_EQ(t->keyword, "COPY");
    EXPECT_EQ(t->flags[0].name, "chown");
    auto h = df::parse_trigger("RUN <<EOF\necho hi\nEOF");
    ASSERT_TRUE(h.has_value()) << h.error().message;
    EXPECT_EQ(h->heredocs[0].body, "echo hi\n");
    EXPECT_EQ(df::parse_trigger("ONBUILD RUN x").error().message,
              "ONBUILD:1:1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    EXPECT_EQ(df::parse_trigger("RUN a\nRUN b").error().message,
              "ONBUILD:2:1: ONBUILD trigger must contain exactly one instruction");
}

TEST(DockerfileParse, FlagQuotingAndEscapes) {
    df::Instruction c = first("COPY --chown=\"a b\" --chmod='7''55' x y");
    ASSERT_EQ(c.flags.size(), 2u);
    EXPECT_EQ(c.flags[0].value, "a b");
    EXPECT_EQ(c.flags[1].value, "755");
    EXPECT_EQ(c.text, "x y");
    EXPECT_EQ(first("RUN --mount=type=bind,target=/a\\ b true").flags[0].value, "type=bind,target=/a b");
    EXPECT_EQ(first("COPY --from= a b").flags[0].value, "");
}

TEST(DockerfileParse, TabsBetweenWords) {
    df::Instruction r = first("RUN\techo\thi");
    EXPECT_EQ(r.keyword, "RUN");
    EXPECT_EQ(r.text, "echo\thi");
    df::Instruction e = first("ENV\t \tA=1  ");
    EXPECT_EQ(e.text, "A=1");
    EXPECT_EQ(e.original, "ENV\t \tA=1");
}

TEST(DockerfileParse, LocationsAfterHeredocsAndContinuations) {
    auto d = parse_ok("FROM x\nRUN a \\\n  b\nCOPY <<EOF /f\nbody\nEOF\n\n  USER me\n");
    ASSERT_EQ(d.stages[0].body.size(), 3u);
    EXPECT_EQ(df::to_string(d.stages[0].body[0].loc), "Dockerfile:2:1");
    EXPECT_EQ(df::to_string(d.stages[0].body[1].loc), "Dockerfile:4:1");
    EXPECT_EQ(df::to_string(d.stages[0].body[2].loc), "Dockerfile:8:3");
}

TEST(DockerfileParse, SyntaxDirectiveAlone) {
    auto d = parse_ok("# syntax = docker/dockerfile:1.7-labs \nFROM x");
    EXPECT_EQ(d.syntax, "docker/dockerfile:1.7-labs");
    EXPECT_EQ(d.escape, '\\');
}
