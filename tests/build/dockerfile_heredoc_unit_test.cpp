// Heredocs in the Dockerfile parser (build/dockerfile/heredoc.hpp, parser.hpp): one, several,
// quoted, <<-, on continued lines, in ONBUILD, and what they are not.
#include <gtest/gtest.h>

#include "build/dockerfile/decode.hpp"
#include "build/dockerfile/heredoc.hpp"
#include "build/dockerfile/parser.hpp"

namespace df = brig::build::dockerfile;

namespace {

std::vector<df::Instruction> body(std::string_view text) {
    auto r = df::parse("FROM scratch\n" + std::string(text));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r && !r->stages.empty() ? r->stages[0].body : std::vector<df::Instruction>{};
}

}  // namespace

TEST(DockerfileHeredoc, OneRunHeredoc) {
    auto b = body("RUN <<EOF\necho hello\n# not a comment\nline \\\n\nEOF\nUSER me\n");
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[0].text, "<<EOF");
    ASSERT_EQ(b[0].heredocs.size(), 1u);
    const df::Heredoc& h = b[0].heredocs[0];
    EXPECT_EQ(h.name, "EOF");
    EXPECT_EQ(h.body, "echo hello\n# not a comment\nline \\\n\n");
    EXPECT_TRUE(h.expand);
    EXPECT_FALSE(h.chomp_tabs);
    EXPECT_EQ(b[1].keyword, "USER");
    EXPECT_EQ(b[1].loc.line, 8);
}

TEST(DockerfileHeredoc, ChompTabs) {
    auto b = body("RUN <<-EOT\n\techo a\n\t\techo b\n  x\n\tEOT\n");
    ASSERT_EQ(b[0].heredocs.size(), 1u);
    const df::Heredoc& h = b[0].heredocs[0];
    EXPECT_TRUE(h.chomp_tabs);
    EXPECT_EQ(h.body, "\techo a\n\t\techo b\n  x\n");  // as written
    EXPECT_EQ(df::chomp_tabs(h.body), "echo a\necho b\n  x\n");
    // Without '-' a tab-indented delimiter is body.
    auto plain = body("RUN <<EOT\n\tEOT\nEOT\n");
    EXPECT_EQ(plain[0].heredocs[0].body, "\tEOT\n");
}

TEST(DockerfileHeredoc, QuotedDelimitersTurnExpansionOff) {
    struct Case {
        const char* word;
        const char* name;
        bool expand;
        bool chomp;
    } cases[] = {
        {"<<EOF", "EOF", true, false},     {"<<\"EOF\"", "EOF", false, false}, {"<<'EOF'", "EOF", false, false},
        {"<<-\"EOF\"", "EOF", false, true}, {"<<E\"O\"F", "EOF", false, false}, {"3<<EOF", "EOF", true, false},
        {"<<$X", "$X", true, false},
    };
    for (const Case& c : cases) {
        auto h = df::parse_heredoc_word(c.word);
        ASSERT_TRUE(h.has_value()) << c.word;
        EXPECT_EQ(h->name, c.name) << c.word;
        EXPECT_EQ(h->expand, c.expand) << c.word;
        EXPECT_EQ(h->chomp_tabs, c.chomp) << c.word;
    }
    for (const char* not_one : {"<<", "<<-", "<<<EOF", "a<<EOF", "<EOF", "<<a<b", "<<a b", "EOF"})
        EXPECT_FALSE(df::parse_heredoc_word(not_one).has_value()) << not_one;
}

TEST(DockerfileHeredoc, SeveralOnOneLine) {
    auto b = body("COPY <<a <<'b' /dest/\nfirst $X\na\nsecond $X\nb\nRUN x\n");
    ASSERT_EQ(b.size(), 2u);
    ASSERT_EQ(b[0].heredocs.size(), 2u);
    EXPECT_EQ(b[0].heredocs[0].name, "a");
    EXPECT_EQ(b[0].heredocs[0].body, "first $X\n");
    EXPECT_EQ(b[0].heredocs[1].name, "b");
    EXPECT_EQ(b[0].heredocs[1].body, "second $X\n");
    EXPECT_FALSE(b[0].heredocs[1].expand);

    auto cmd = df::decode(b[0], {{"X", "1"}});
    ASSERT_TRUE(cmd.has_value()) << cmd.error().message;
    const auto& c = std::get<df::Copy>(*cmd);
    EXPECT_TRUE(c.sources.empty());
    EXPECT_EQ(c.dest, "/dest/");
    ASSERT_EQ(c.heredocs.size(), 2u);
    EXPECT_EQ(c.heredocs[0].body, "first 1\n");  // expanded
    EXPECT_EQ(c.heredocs[1].body, "second $X\n");  // quoted: as written
}

TEST(DockerfileHeredoc, RunWithCommandAroundTheHeredoc) {
    auto b = body("RUN cat <<EOF > /file && \\\n  cat <<-'TWO' >> /file\nhello\nEOF\n\tworld\n\tTWO\n");
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].text, "cat <<EOF > /file &&   cat <<-'TWO' >> /file");
    ASSERT_EQ(b[0].heredocs.size(), 2u);
    EXPECT_EQ(b[0].heredocs[0].body, "hello\n");
    EXPECT_EQ(b[0].heredocs[1].body, "\tworld\n");
    auto run = df::decode(b[0], {});
    ASSERT_TRUE(run.has_value()) << run.error().message;
    const auto& r = std::get<df::Run>(*run);
    EXPECT_TRUE(r.shell_form);
    EXPECT_EQ(r.argv, (std::vector<std::string>{"cat <<EOF > /file &&   cat <<-'TWO' >> /file"}));
    EXPECT_EQ(r.heredocs.size(), 2u);
}

TEST(DockerfileHeredoc, FlagsAndContinuationBeforeTheHeredoc) {
    auto b = body("RUN --mount=type=cache,target=/c \\\n    <<EOF\nbody\nEOF\n");
    ASSERT_EQ(b[0].heredocs.size(), 1u);
    EXPECT_EQ(b[0].heredocs[0].body, "body\n");
    EXPECT_EQ(b[0].flags.size(), 1u);
}

TEST(DockerfileHeredoc, WhatIsNoHeredoc) {
    for (const char* line : {"RUN [\"cat\", \"<<EOF\"]", "RUN echo \"<<EOF\"", "RUN echo '<<EOF'", "RUN echo a<<EOF",
                             "RUN cat <<<word", "CMD cat <<EOF", "RUN echo \\<<EOF"}) {
        auto b = body(std::string(line) + "\nUSER x\n");
        ASSERT_EQ(b.size(), 2u) << line;
        EXPECT_TRUE(b[0].heredocs.empty()) << line;
    }
}

TEST(DockerfileHeredoc, EmptyBodyAndEndOfFile) {
    auto b = body("COPY <<EOF /empty\nEOF");
    ASSERT_EQ(b[0].heredocs.size(), 1u);
    EXPECT_EQ(b[0].heredocs[0].body, "");
    auto crlf = body("RUN <<EOF\r\na\r\nEOF\r\n");
    EXPECT_EQ(crlf[0].heredocs[0].body, "a\n");
}

TEST(DockerfileHeredoc, OnbuildTrigger) {
    auto b = body("ONBUILD RUN <<EOF\necho hi\nEOF\n");
    ASSERT_EQ(b.size(), 1u);
    ASSERT_EQ(b[0].heredocs.size(), 1u);
    auto cmd = df::decode(b[0], {});
    ASSERT_TRUE(cmd.has_value()) << cmd.error().message;
    const auto& o = std::get<df::OnBuild>(*cmd);
    EXPECT_EQ(o.instruction, "RUN <<EOF\necho hi\nEOF");
    auto back = df::parse_trigger(o.instruction);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->keyword, "RUN");
    EXPECT_EQ(back->heredocs[0].body, "echo hi\n");
}

TEST(DockerfileHeredoc, CopyChompedAndExpanded) {
    auto b = body("COPY <<-EOF /etc/conf\n\tname=$NAME\n\tEOF\n");
    auto cmd = df::decode(b[0], {{"NAME", "web"}});
    ASSERT_TRUE(cmd.has_value()) << cmd.error().message;
    const auto& c = std::get<df::Copy>(*cmd);
    ASSERT_EQ(c.heredocs.size(), 1u);
    EXPECT_EQ(c.heredocs[0].name, "EOF");
    EXPECT_EQ(c.heredocs[0].body, "name=web\n");
}

TEST(DockerfileHeredoc, UnterminatedNamesTheReference) {
    auto r = df::parse("FROM x\nCOPY a <<EOF <<TWO /d\nbody\nEOF\nmore\n");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "Dockerfile:2:14: unterminated heredoc");
}
