// Every parse error of the Dockerfile parser with its exact file:line:column and message.
#include <gtest/gtest.h>

#include "build/dockerfile/parser.hpp"

namespace df = brig::build::dockerfile;

namespace {

struct Case {
    const char* text;
    const char* message;
};

void expect_errors(std::initializer_list<Case> cases) {
    for (const Case& c : cases) {
        auto r = df::parse(c.text);
        ASSERT_FALSE(r.has_value()) << c.text;
        EXPECT_EQ(r.error().message, c.message) << c.text;
    }
}

}  // namespace

TEST(DockerfileErrors, Structure) {
    expect_errors({
        {"", "Dockerfile:1:1: file with no instructions"},
        {"# only a comment\n\n", "Dockerfile:1:1: file with no instructions"},
        {"ARG A\n", "Dockerfile:1:1: no FROM instruction: the Dockerfile contains no stage to build"},
        {"FROM x\nRUNN echo", "Dockerfile:2:1: unknown instruction: RUNN"},
        {"FROM x\n    frum y", "Dockerfile:2:5: unknown instruction: frum"},
        {"ARG A\nRUN echo\nFROM x", "Dockerfile:2:1: RUN before the first FROM: no build stage in current context"},
        {"FROM a AS x\nFROM b AS X", "Dockerfile:2:1: duplicate stage name \"x\""},
    });
}

TEST(DockerfileErrors, Directives) {
    expect_errors({
        {"# escape=x\nFROM x", "Dockerfile:1:1: invalid escape token 'x' does not match ` or \\"},
        {"# escape=\\\n  # escape=`\nFROM x", "Dockerfile:2:3: only one escape parser directive can be used"},
        {"# syntax=a\n#syntax=b\nFROM x", "Dockerfile:2:1: only one syntax parser directive can be used"},
    });
}

TEST(DockerfileErrors, Flags) {
    expect_errors({
        {"FROM x\nCOPY --form=a b c", "Dockerfile:2:6: unknown flag: form (known: --from, --chown, --chmod, --link)"},
        {"FROM x\nENV --x=1 A=1", "Dockerfile:2:5: unknown flag: x (this instruction takes no flags)"},
        {"FROM x\nCMD --help", "Dockerfile:2:5: unknown flag: help (this instruction takes no flags)"},
        {"FROM x\nRUN --network none", "Dockerfile:2:5: missing a value on flag: network"},
        {"FROM x\nRUN --mount type=cache", "Dockerfile:2:5: missing a value on flag: mount"},
        {"FROM x\nCOPY --link=maybe a b", "Dockerfile:2:6: expecting boolean value for flag link, not: maybe"},
        {"FROM x\nCOPY --link= a b", "Dockerfile:2:6: missing a value on flag: link"},
        {"FROM x\nCOPY --from=a --from=b x y", "Dockerfile:2:15: duplicate flag specified: from"},
        {"FROM --platfrom=x y", "Dockerfile:1:6: unknown flag: platfrom (known: --platform)"},
        {"FROM x\nRUN \\\n    --networkk=none x", "Dockerfile:3:5: unknown flag: networkk (known: --mount, --network)"},
        {"FROM x\nONBUILD --x RUN y", "Dockerfile:2:9: unknown flag: x (this instruction takes no flags)"},
    });
}

TEST(DockerfileErrors, Arguments) {
    expect_errors({
        {"FROM", "Dockerfile:1:1: FROM requires either one or three arguments"},
        {"FROM a b", "Dockerfile:1:1: FROM requires either one or three arguments"},
        {"FROM a FOR b", "Dockerfile:1:1: FROM requires either one or three arguments"},
        {"FROM a AS 1x",
         "Dockerfile:1:1: invalid name for build stage: \"1x\", name can't start with a number or contain symbols"},
        {"FROM x\nRUN", "Dockerfile:2:1: RUN requires at least one argument"},
        {"FROM x\nRUN []", "Dockerfile:2:1: RUN requires at least one argument"},
        {"FROM x\nRUN [1, 2]", "Dockerfile:2:5: when using JSON array syntax, arrays must be comprised of strings only"},
        {"FROM x\nCMD [\"a\", null]",
         "Dockerfile:2:5: when using JSON array syntax, arrays must be comprised of strings only"},
        {"FROM x\nHEALTHCHECK CMD [[\"a\"]]",
         "Dockerfile:2:17: when using JSON array syntax, arrays must be comprised of strings only"},
        {"FROM x\nCOPY onlyone",
         "Dockerfile:2:1: COPY requires at least two arguments, but only one was provided. Destination could not be "
         "determined"},
        {"FROM x\nADD --chown=1 [\"a\"]",
         "Dockerfile:2:1: ADD requires at least two arguments, but only one was provided. Destination could not be "
         "determined"},
        {"FROM x\nCOPY a <<EOF\nx\nEOF", "Dockerfile:2:1: COPY cannot accept a heredoc as a destination"},
        {"FROM x\nRUN <<EOF\nbody", "Dockerfile:2:5: unterminated heredoc"},
        {"FROM x\nENV", "Dockerfile:2:1: ENV requires at least one argument"},
        {"FROM x\nENV A", "Dockerfile:2:1: ENV must have two arguments"},
        {"FROM x\nENV A=1 B",
         "Dockerfile:2:1: Syntax error - can't find = in \"B\". Must be of the form: name=value"},
        {"FROM x\nENV =1", "Dockerfile:2:1: ENV names can not be blank"},
        {"FROM x\nLABEL", "Dockerfile:2:1: LABEL requires at least one argument"},
        {"FROM x\nLABEL a=1 =2", "Dockerfile:2:1: LABEL names can not be blank"},
        {"FROM x\nARG", "Dockerfile:2:1: ARG requires at least one argument"},
        {"ARG =v\nFROM x", "Dockerfile:1:1: ARG names can not be blank"},
        {"FROM x\nEXPOSE", "Dockerfile:2:1: EXPOSE requires at least one argument"},
        {"FROM x\nVOLUME", "Dockerfile:2:1: VOLUME requires at least one argument"},
        {"FROM x\nVOLUME [\"/a\", \" \"]", "Dockerfile:2:1: VOLUME specified can not be an empty string"},
        {"FROM x\nUSER", "Dockerfile:2:1: USER requires exactly one argument"},
        {"FROM x\nWORKDIR  ", "Dockerfile:2:1: WORKDIR requires exactly one argument"},
        {"FROM x\nSTOPSIGNAL", "Dockerfile:2:1: STOPSIGNAL requires exactly one argument"},
        {"FROM x\nMAINTAINER", "Dockerfile:2:1: MAINTAINER requires exactly one argument"},
        {"FROM x\nSHELL /bin/sh -c", "Dockerfile:2:1: SHELL requires the arguments to be in JSON form"},
        {"FROM x\nSHELL []", "Dockerfile:2:1: SHELL requires at least one argument"},
    });
}

TEST(DockerfileErrors, Healthcheck) {
    expect_errors({
        {"FROM x\nHEALTHCHECK", "Dockerfile:2:1: HEALTHCHECK requires at least one argument"},
        {"FROM x\nHEALTHCHECK FOO x", "Dockerfile:2:1: Unknown type \"FOO\" in HEALTHCHECK (try CMD)"},
        {"FROM x\nHEALTHCHECK NONE x", "Dockerfile:2:1: HEALTHCHECK NONE takes no arguments"},
        {"FROM x\nHEALTHCHECK CMD", "Dockerfile:2:1: Missing command after HEALTHCHECK CMD"},
        {"FROM x\nHEALTHCHECK CMD []", "Dockerfile:2:1: Missing command after HEALTHCHECK CMD"},
        {"FROM x\nHEALTHCHECK --interval=10 CMD x",
         "Dockerfile:2:13: --interval: invalid duration \"10\": missing unit (ns, us, ms, s, m or h)"},
        {"FROM x\nHEALTHCHECK --timeout=1us CMD x", "Dockerfile:2:13: Interval \"timeout\" cannot be less than 1ms"},
        {"FROM x\nHEALTHCHECK --start-period=-1s CMD x",
         "Dockerfile:2:13: Interval \"start-period\" cannot be less than 1ms"},
        {"FROM x\nHEALTHCHECK --retries=-1 CMD x", "Dockerfile:2:13: --retries cannot be negative (-1)"},
        {"FROM x\nHEALTHCHECK --retries=x CMD x", "Dockerfile:2:13: --retries: invalid number \"x\""},
        {"FROM x\nHEALTHCHECK --retry=1 CMD x",
         "Dockerfile:2:13: unknown flag: retry (known: --interval, --timeout, --start-period, --start-interval, "
         "--retries)"},
    });
}

TEST(DockerfileErrors, Onbuild) {
    expect_errors({
        {"FROM x\nONBUILD", "Dockerfile:2:1: ONBUILD requires at least one argument"},
        {"FROM x\nONBUILD ONBUILD RUN x", "Dockerfile:2:9: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
        {"FROM x\nONBUILD from y", "Dockerfile:2:9: FROM isn't allowed as an ONBUILD trigger"},
        {"FROM x\nONBUILD MAINTAINER me", "Dockerfile:2:9: MAINTAINER isn't allowed as an ONBUILD trigger"},
        {"FROM x\nONBUILD RUNN x", "Dockerfile:2:9: unknown instruction: RUNN"},
        {"FROM x\nONBUILD COPY --chmod x", "Dockerfile:2:14: missing a value on flag: chmod"},
        {"FROM x\nONBUILD COPY a", "Dockerfile:2:9: COPY requires at least two arguments, but only one was provided. "
                                   "Destination could not be determined"},
    });
}

TEST(DockerfileErrors, TheFileNameIsTheCallers) {
    auto r = df::parse("FROM x\nRUNN y\n", "sub/Dockerfile.dev");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "sub/Dockerfile.dev:2:1: unknown instruction: RUNN");
    EXPECT_EQ(df::to_string(df::Location{"f", 3, 7}), "f:3:7");
}

TEST(DockerfileErrors, BadJsonIsShellFormNotAnError) {
    for (const char* line : {"CMD [\"a\"", "CMD [a]", "CMD [\"a\",]", "RUN [\"a\"] && b", "ENTRYPOINT [\"a\" 'b']"}) {
        auto r = df::parse("FROM x\n" + std::string(line));
        ASSERT_TRUE(r.has_value()) << line << ": " << r.error().message;
        EXPECT_FALSE(r->stages[0].body[0].json_form) << line;
    }
}
