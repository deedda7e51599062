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

#include <iostream>
#include <memory>

namespace brig::cli {

namespace {

namespace reg = brig::registry;

// Options every registry command shares.
struct RegistryFlags {
    bool tls_verify = true;
    std::string authfile;
    std::string creds;  // USER[:PASSWORD]

    void add_to(CLI::App* cmd, bool with_creds = true) {
        cmd->add_flag("--tls-verify", tls_verify,
                      "verify TLS certificates; false also allows plain http (default true; local registries "
                      "may always use http)");
        cmd->add_option("--authfile", authfile, "credentials file (default: $REGISTRY_AUTH_FILE, "
                                                "$XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json)");
        if (with_creds) cmd->add_option("--creds", creds, "USER[:PASSWORD] for the registry");
    }

    Result<reg::ClientOptions> client_options() const {
        reg::ClientOptions o;
        o.tls_verify = tls_verify;
        o.auth_file = authfile;
        if (!creds.empty()) {
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
        auto ref = image::parse_reference(strip_transport(o->image));
        if (!ref) {
            globals.exit_code = report_error(ref.error().what());
            return;
        }
        reg::PullOptions opts;
        auto client = o->reg.client_options();
        if (!client) {
            globals.exit_code = report_error(client.error().what());
            return;
        }
        opts.client = std::move(*client);
        opts.parallel = o->parallel;
        if (!o->platform.empty()) {
            auto p = image::Platform::parse(o->platform);
            if (!p) {
                globals.exit_code = report_error(fmt::format("--platform: {}", p.error().what()));
                return;
            }
            opts.platform = *p;
        }
        opts.progress = o->quiet ? nullptr : stderr;
        opts.progress_tty = ::isatty(STDERR_FILENO) == 1;
        auto store = image::Store::open(globals.root);
        if (!store) {
            globals.exit_code = report_error(store.error().what());
            return;
        }
        auto rec = reg::pull_image(*store, *ref, opts);
        if (!rec) {
            globals.exit_code = report_error(rec.error().what());
            return;
        }
        if (!o->quiet) {
            std::string digest = rec->repo_digests.empty() ? rec->manifest_digest.str() : rec->repo_digests.front();
            if (size_t at = digest.find('@'); at != std::string::npos) digest = digest.substr(at + 1);
            fmt::print(stderr, "Digest: {}\n", digest);
        }
        fmt::print("{}\n", ref->str());
        globals.exit_code = 0;
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
        std::string_view dest_text = o->dest.empty() ? std::string_view(o->image) : strip_transport(o->dest);
        auto dest = image::parse_reference(dest_text);
        if (!dest) {
            globals.exit_code = report_error(dest.error().what());
            return;
        }
        auto client = o->reg.client_options();
        if (!client) {
            globals.exit_code = report_error(client.error().what());
            return;
        }
        reg::PushOptions opts;
        opts.client = std::move(*client);
        opts.progress = o->quiet ? nullptr : stderr;
        opts.progress_tty = ::isatty(STDERR_FILENO) == 1;
        auto store = image::Store::open(globals.root);
        if (!store) {
            globals.exit_code = report_error(store.error().what());
            return;
        }
        auto digest = reg::push_image(*store, o->image, *dest, opts);
        if (!digest) {
            globals.exit_code = report_error(digest.error().what());
            return;
        }
        if (o->quiet) {
            fmt::print("{}\n", digest->str());
        } else {
            fmt::print("{}: digest: {}\n", dest->tag.empty() ? dest->str() : dest->tag, digest->str());
        }
        globals.exit_code = 0;
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

void login_command(CLI::App& app, Globals& globals) {
    auto* cmd = app.add_subcommand("login", "log in to a registry (stores the credentials)");
    struct Opts {
        std::string registry;
        std::string username;
        std::string password;
        bool password_stdin = false;
        RegistryFlags reg;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("REGISTRY", o->registry, "registry host[:port]")->required();
    cmd->add_option("-u,--username", o->username, "user name");
    cmd->add_option("-p,--password", o->password, "password (visible to other users: prefer --password-stdin)");
    cmd->add_flag("--password-stdin", o->password_stdin, "read the password from stdin");
    o->reg.add_to(cmd, /*with_creds=*/false);
    cmd->callback([o, &globals] {
        auto registry = reg::normalize_registry(o->registry);
        if (!registry) {
            globals.exit_code = report_error(registry.error().what());
            return;
        }
        if (o->password_stdin && !o->password.empty()) {
            globals.exit_code = report_error("--password and --password-stdin are mutually exclusive");
            return;
        }
        reg::Credentials creds;
        creds.username = o->username;
        creds.password = o->password;
        if (o->password_stdin) {
            if (creds.username.empty()) {
                globals.exit_code = report_error("--password-stdin needs --username");
                return;
            }
            std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
            while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
            creds.password = std::move(all);
        }
        if (creds.username.empty()) {
            auto u = prompt("Username", false);
            if (!u) {
                globals.exit_code = report_error(u.error().what());
                return;
            }
            creds.username = *u;
        }
        if (creds.password.empty()) {
            auto p = prompt("Password", true);
            if (!p) {
                globals.exit_code = report_error(p.error().what());
                return;
            }
            creds.password = *p;
        }
        if (creds.username.empty() || creds.password.empty()) {
            globals.exit_code = report_error("login: user name and password must not be empty");
            return;
        }
        reg::ClientOptions copts;
        copts.tls_verify = o->reg.tls_verify;
        copts.credentials = creds;
        reg::RegistryClient client(*registry, copts);
        if (auto ok = client.ping(); !ok) {
            globals.exit_code = report_error(fmt::format("login to {} failed: {}", *registry, ok.error().what()));
            return;
        }
        std::filesystem::path file = o->reg.authfile.empty() ? reg::default_auth_file() : std::filesystem::path(o->reg.authfile);
        if (auto s = reg::save_credentials(file, *registry, creds); !s) {
            globals.exit_code = report_error(s.error().what());
            return;
        }
        fmt::print("Login Succeeded!\n");
        globals.exit_code = 0;
    });
}

void logout_command(CLI::App& app, Globals& globals) {
    auto* cmd = app.add_subcommand("logout", "remove the stored credentials of a registry");
    struct Opts {
        std::string registry;
        std::string authfile;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("REGISTRY", o->registry, "registry host[:port]")->required();
    cmd->add_option("--authfile", o->authfile, "credentials file (default: as for login)");
    cmd->callback([o, &globals] {
        auto registry = reg::normalize_registry(o->registry);
        if (!registry) {
            globals.exit_code = report_error(registry.error().what());
            return;
        }
        std::filesystem::path file = o->authfile.empty() ? reg::default_auth_file() : std::filesystem::path(o->authfile);
        auto removed = reg::remove_credentials(file, *registry);
        if (!removed) {
            globals.exit_code = report_error(removed.error().what());
            return;
        }
        if (!*removed) {
            globals.exit_code = report_error(fmt::format("not logged into {} (no entry in {})", *registry, file.string()));
            return;
        }
        fmt::print("Removed login credentials for {}\n", *registry);
        globals.exit_code = 0;
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
