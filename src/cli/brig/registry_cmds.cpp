// brig pull / push / login / logout: the registry side of images (src/image/registry).
#include "cli/brig/commands.hpp"

#include "image/reference.hpp"
#include "image/registry/auth_file.hpp"
#include "image/registry/client.hpp"
#include "image/registry/endpoint.hpp"
#include "image/registry/pull.hpp"
#include "image/registry/push.hpp"
#include "image/store.hpp"

#include <termios.h>
#include <unistd.h>

#include <fmt/core.h>

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <tuple>

namespace brig::cli {

namespace {

namespace reg = brig::registry;

// Runs a command body: an error becomes the message and exit status 1, success exit status 0.
void run_body(Globals& globals, const std::function<Result<void>()>& body) {
    auto r = body();
    globals.exit_code = r ? 0 : report_error(r.error().what());
}

// Options the registry commands share: which registry flags a command takes and how they
// become client options and the credentials file.
struct RegistryFlags {
    bool tls_verify = true;
    std::string authfile;
    std::string creds;  // USER[:PASSWORD]

    enum class Set { All, NoCreds, AuthfileOnly };

    void add_to(CLI::App* cmd, Set set = Set::All) {
        if (set != Set::AuthfileOnly) {
            cmd->add_flag("--tls-verify", tls_verify,
                          "verify TLS certificates; false also allows plain http (default true; local registries "
                          "may always use http)");
        }
        cmd->add_option("--authfile", authfile,
                        set == Set::AuthfileOnly ? "credentials file (default: as for login)"
                                                 : "credentials file (default: $REGISTRY_AUTH_FILE, "
                                                   "$XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json)");
        if (set == Set::All) cmd->add_option("--creds", creds, "USER[:PASSWORD] for the registry");
    }

    // The file login writes and logout edits.
    std::filesystem::path auth_file() const {
        return authfile.empty() ? reg::default_auth_file() : std::filesystem::path(authfile);
    }

    // Client options; `explicit_creds` (login's) win over --creds.
    Result<reg::ClientOptions> client_options(std::optional<reg::Credentials> explicit_creds = std::nullopt) const {
        reg::ClientOptions o;
        o.tls_verify = tls_verify;
        o.auth_file = authfile;
        if (explicit_creds) {
            o.credentials = std::move(explicit_creds);
        } else if (!creds.empty()) {
            reg::Credentials c;
            size_t colon = creds.find(':');
            c.username = creds.substr(0, colon);
            if (colon != std::string::npos) c.password = creds.substr(colon + 1);
            if (c.username.empty()) return fail("--creds: empty user name");
            o.credentials = std::move(c);
        }
        return o;
    }
};

// "docker://host/x:tag" (podman's transport prefix) is accepted too.
std::string_view strip_transport(std::string_view s) {
    if (s.starts_with("docker://")) s.remove_prefix(9);
    return s;
}

void pull_command(CLI::App& app, Globals& globals) {
    auto* cmd = app.add_subcommand("pull", "pull an image from a registry");
    struct Opts {
        std::string image;
        std::string platform;
        bool quiet = false;
        int parallel = 3;
        RegistryFlags reg;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("IMAGE", o->image, "image reference (busybox, library/busybox:1.36, host:5000/a/b@sha256:...)")
        ->required();
    cmd->add_option("--platform", o->platform, "os/arch[/variant] to pull from a multi-platform image");
    cmd->add_flag("-q,--quiet", o->quiet, "no progress output");
    cmd->add_option("--max-concurrent-downloads", o->parallel, "layers downloaded at once (default 3)")
        ->check(CLI::Range(1, 16));
    o->reg.add_to(cmd);
    cmd->callback([o, &globals] {
        run_body(globals, [&]() -> Result<void> {
            auto ref = image::parse_reference(strip_transport(o->image));
            if (!ref) return std::unexpected(ref.error());
            reg::PullOptions opts;
            auto client = o->reg.client_options();
            if (!client) return std::unexpected(client.error());
            opts.client = std::move(*client);
            opts.parallel = o->parallel;
            if (!o->platform.empty()) {
                auto p = image::Platform::parse(o->platform);
                if (!p) return wrap(std::move(p), "--platform");
                opts.platform = *p;
            }
            opts.progress = o->quiet ? nullptr : stderr;
            opts.progress_tty = ::isatty(STDERR_FILENO) == 1;
            auto store = image::Store::open(globals.root);
            if (!store) return std::unexpected(store.error());
            auto rec = reg::pull_image(*store, *ref, opts);
            if (!rec) return std::unexpected(rec.error());
            if (!o->quiet) {
                std::string digest = rec->repo_digests.empty() ? rec->manifest_digest.str() : rec->repo_digests.front();
                if (size_t at = digest.find('@'); at != std::string::npos) digest = digest.substr(at + 1);
                fmt::print(stderr, "Digest: {}\n", digest);
            }
            fmt::print("{}\n", ref->str());
            return {};
        });
    });
}

void push_command(CLI::App& app, Globals& globals) {
    auto* cmd = app.add_subcommand("push", "push an image to a registry");
    struct Opts {
        std::string image;
        std::string dest;
        bool quiet = false;
        RegistryFlags reg;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("IMAGE", o->image, "image in the store (name or id)")->required();
    cmd->add_option("DESTINATION", o->dest, "where to push it (default: IMAGE's own name)");
    cmd->add_flag("-q,--quiet", o->quiet, "no progress output");
    o->reg.add_to(cmd);
    cmd->callback([o, &globals] {
        run_body(globals, [&]() -> Result<void> {
            std::string_view dest_text = o->dest.empty() ? std::string_view(o->image) : strip_transport(o->dest);
            auto dest = image::parse_reference(dest_text);
            if (!dest) return std::unexpected(dest.error());
            auto client = o->reg.client_options();
            if (!client) return std::unexpected(client.error());
            reg::PushOptions opts;
            opts.client = std::move(*client);
            opts.progress = o->quiet ? nullptr : stderr;
            opts.progress_tty = ::isatty(STDERR_FILENO) == 1;
            auto store = image::Store::open(globals.root);
            if (!store) return std::unexpected(store.error());
            auto digest = reg::push_image(*store, o->image, *dest, opts);
            if (!digest) return std::unexpected(digest.error());
            if (o->quiet) {
                fmt::print("{}\n", digest->str());
            } else {
                fmt::print("{}: digest: {}\n", dest->tag.empty() ? dest->str() : dest->tag, digest->str());
            }
            return {};
        });
    });
}

// Reads a line from the terminal; without echo for passwords.
Result<std::string> prompt(const char* label, bool secret) {
    if (::isatty(STDIN_FILENO) != 1) {
        return fail("{} needed but stdin is not a terminal (use -u/-p or --password-stdin)", label);
    }
    fmt::print(stderr, "{}: ", label);
    std::fflush(stderr);
    termios old{};
    bool restore = false;
    if (secret && ::tcgetattr(STDIN_FILENO, &old) == 0) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        restore = ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    std::string line;
    bool ok = static_cast<bool>(std::getline(std::cin, line));
    if (restore) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fmt::print(stderr, "\n");
    }
    if (!ok) return fail("{}: no input", label);
    return line;
}

// login's user name and password: flags, stdin, or a prompt on the terminal.
struct LoginInput {
    std::string username;
    std::string password;
    bool password_stdin = false;

    Result<reg::Credentials> credentials() const {
        if (password_stdin && !password.empty()) return fail("--password and --password-stdin are mutually exclusive");
        reg::Credentials creds{username, password, {}};
        if (password_stdin) {
            if (creds.username.empty()) return fail("--password-stdin needs --username");
            std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
            while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
            creds.password = std::move(all);
        }
        for (auto [field, label, secret] : {std::tuple{&creds.username, "Username", false},
                                            std::tuple{&creds.password, "Password", true}}) {
            if (!field->empty()) continue;
            auto line = prompt(label, secret);
            if (!line) return std::unexpected(line.error());
            *field = std::move(*line);
        }
        if (creds.username.empty() || creds.password.empty()) return fail("login: user name and password must not be empty");
        return creds;
    }
};

void login_command(CLI::App& app, Globals& globals) {
    auto* cmd = app.add_subcommand("login", "log in to a registry (stores the credentials)");
    struct Opts {
        std::string registry;
        LoginInput input;
        RegistryFlags reg;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("REGISTRY", o->registry, "registry host[:port]")->required();
    cmd->add_option("-u,--username", o->input.username, "user name");
    cmd->add_option("-p,--password", o->input.password, "password (visible to other users: prefer --password-stdin)");
    cmd->add_flag("--password-stdin", o->input.password_stdin, "read the password from stdin");
    o->reg.add_to(cmd, RegistryFlags::Set::NoCreds);
    cmd->callback([o, &globals] {
        run_body(globals, [&]() -> Result<void> {
            auto registry = reg::normalize_registry(o->registry);
            if (!registry) return std::unexpected(registry.error());
            auto creds = o->input.credentials();
            if (!creds) return std::unexpected(creds.error());
            auto copts = o->reg.client_options(*creds);
            if (!copts) return std::unexpected(copts.error());
            reg::RegistryClient client(*registry, *copts);
            if (auto ok = client.ping(); !ok) return wrap(std::move(ok), fmt::format("login to {} failed", *registry));
            if (auto s = reg::save_credentials(o->reg.auth_file(), *registry, *creds); !s) return s;
            fmt::print("Login Succeeded!\n");
            return {};
        });
    });
}

void logout_command(CLI::App& app, Globals& globals) {
    auto* cmd = app.add_subcommand("logout", "remove the stored credentials of a registry");
    struct Opts {
        std::string registry;
        RegistryFlags reg;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("REGISTRY", o->registry, "registry host[:port]")->required();
    o->reg.add_to(cmd, RegistryFlags::Set::AuthfileOnly);
    cmd->callback([o, &globals] {
        run_body(globals, [&]() -> Result<void> {
            auto registry = reg::normalize_registry(o->registry);
            if (!registry) return std::unexpected(registry.error());
            std::filesystem::path file = o->reg.auth_file();
            auto removed = reg::remove_credentials(file, *registry);
            if (!removed) return std::unexpected(removed.error());
            if (!*removed) return fail("not logged into {} (no entry in {})", *registry, file.string());
            fmt::print("Removed login credentials for {}\n", *registry);
            return {};
        });
    });
}

}  // namespace

void add_registry_commands(CLI::App& app, Globals& globals) {
    pull_command(app, globals);
    push_command(app, globals);
    login_command(app, globals);
    logout_command(app, globals);
}

}  // namespace brig::cli
