// Typed commands: decode() turns one parsed Instruction into its command once the builder
// reaches it, expanding variables with the ARG/ENV values in scope there, where docker does
// (ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR, ARG defaults, the values
// of --from --chown --chmod --checksum --platform --network and of --mount options), and
// not in RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK commands, ONBUILD triggers or MAINTAINER.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "build/dockerfile/ast.hpp"
#include "build/dockerfile/expand.hpp"

namespace brig::build::dockerfile {

// RUN --mount=type=cache,target=/x,... as BuildKit reads it (CSV). type defaults to bind.
// Option keys are normalized: src -> source; dst, destination -> target; ro and a bare
// readonly -> readonly=true; rw, readwrite -> readonly=false (readwrite=false -> true); a bare
// required -> required=true; bool values are "true"/"false"; sharing is lower case. Values
// are expanded. Keys checked per type: sharing (cache), size (tmpfs), required and env
// (secret, ssh), mode/uid/gid (cache, secret, ssh), from (not secret). Options are in the
// order written; a key given twice appears twice (the later wins). Docker's defaults the
// builder applies: bind, secret and ssh are read-only unless readonly=false; secret target
// /run/secrets/<id>; cache id = target.
struct Mount {
    std::string type;  // bind | cache | tmpfs | secret | ssh
    std::vector<std::pair<std::string, std::string>> options;
};

// argv: the JSON elements, or for shell form the one command string (the builder prepends
// SHELL). Heredoc bodies are as written (not expanded, not chomped: see chomp_tabs()); what
// docker runs for them is the builder's: a lone "<<EOF" runs the body (a file when it
// starts with "#!"), otherwise the heredocs are handed to the shell.
struct Run {
    std::vector<std::string> argv;
    bool shell_form = false;
    std::vector<Mount> mounts;
    std::string network;  // "" (default) | none | host
    std::vector<Heredoc> heredocs;
};

// sources exclude the heredoc ones; `heredocs` are those, their body the file's content
// (tabs chomped for <<-, expanded unless the delimiter was quoted), their name the file name.
struct Copy {
    bool add = false;
    std::vector<std::string> sources;
    std::string dest;
    std::string from;
    std::string chown;
    std::string chmod;  // octal, checked
    bool link = false;
    std::string checksum;  // ADD --checksum (algorithm:hex, checked)
    bool keep_git_dir = false;
    std::vector<Heredoc> heredocs;
};

struct Env {
    std::vector<std::pair<std::string, std::string>> pairs;  // also from the old form "ENV K V"
};
struct Arg {
    std::vector<std::pair<std::string, std::optional<std::string>>> args;
};
struct Label {
    std::vector<std::pair<std::string, std::string>> pairs;
};
// Empty (CMD with no arguments): argv empty and shell_form false, as CMD [].
struct Cmd {
    std::vector<std::string> argv;
    bool shell_form = false;
};
struct Entrypoint {
    std::vector<std::string> argv;
    bool shell_form = false;
};
struct Expose {
    std::vector<std::string> ports;  // "80/tcp", "8000-8010/udp": ranges as written, tcp by default
};
struct Volume {
    std::vector<std::string> paths;
};
struct User {
    std::string user;
};
struct Workdir {
    std::string path;
};
struct StopSignal {
    std::string signal;  // as written (expanded): "SIGTERM", "TERM", "15"; checked
};
struct Shell {
    std::vector<std::string> argv;
};
// test: {"NONE"} when none, else {"CMD", args...} or {"CMD-SHELL", command}. Durations are
// 0 when not given.
struct Healthcheck {
    bool none = false;
    std::vector<std::string> test;
    int64_t interval_ns = 0, timeout_ns = 0, start_period_ns = 0, start_interval_ns = 0;
    int retries = 0;
};
// The trigger as docker stores it: the text after ONBUILD, heredocs appended
// ("RUN <<EOF\nbody\nEOF"). parse_trigger() reads it back.
struct OnBuild {
    std::string instruction;
};
struct Maintainer {
    std::string name;
};
struct From {
    std::string image;
    std::string name;  // lower case, "" if none
    std::string platform;
};

using Command = std::variant<From, Run, Copy, Env, Arg, Label, Cmd, Entrypoint, Expose, Volume, User, Workdir,
                             StopSignal, Shell, Healthcheck, OnBuild, Maintainer>;

// Errors (an expansion that fails, a bad --mount, --network, --chmod, port or signal, ...)
// name i.loc: "Dockerfile:7:1: ...".
Result<Command> decode(const Instruction& i, const Vars& vars, char escape = '\\');

}  // namespace brig::build::dockerfile
