// COPY/ADD source resolution (build/context/sources.hpp) and the in-root path walk under it
// (rootpath.hpp): wildcards, .dockerignore, symlinks that must stay inside the root, "..".
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "build/context/rootpath.hpp"
#include "build/context/sources.hpp"
#include "linux/fs.hpp"
#include "tree_util.hpp"

namespace bc = brig::build::context;

namespace {

using namespace brig::build::test;

void link(const std::string& target, const std::string& at) { ASSERT_EQ(::symlink(target.c_str(), at.c_str()), 0) << at; }

// A context:  a.txt b.txt c.md dir/x.txt dir/sub/y.txt secret  and links of every kind.
struct Fixture {
    TempDir base;  // base/ctx is the context; base/outside is not
    std::string ctx;
    bc::Ignore ignore;
    Fixture(std::string_view rules = "") {
        ctx = base.path + "/ctx";
        put(ctx + "/a.txt", "a");
        put(ctx + "/b.txt", "b");
        put(ctx + "/c.md", "c");
        put(ctx + "/dir/x.txt", "x");
        put(ctx + "/dir/sub/y.txt", "y");
        put(ctx + "/secret", "s");
        put(base.path + "/outside/passwd", "host secret");
        link("dir/x.txt", ctx + "/link_in");
        link("/dir/x.txt", ctx + "/link_abs");                      // absolute: from the context root
        link("../outside/passwd", ctx + "/link_up");                // would leave the root
        link("../../../../../../../../etc/passwd", ctx + "/link_etc_file");
        link(base.path + "/outside", ctx + "/link_host_dir");      // the host path, taken inside the root
        link("/", ctx + "/link_root");
        link("loop", ctx + "/loop");
        link("secret", ctx + "/link_secret");
        link("sub", ctx + "/dir/link_sub");
        ignore = *bc::Ignore::parse(rules);
    }
    bc::SourceRoot root(bool context = true) { return *bc::SourceRoot::open(ctx, context ? &ignore : nullptr, context); }
};

std::vector<std::string> rels(const brig::Result<std::vector<bc::ResolvedSource>>& r) {
    std::vector<std::string> out;
    if (!r) return {"ERROR: " + r.error().message};
    for (const auto& s : *r) out.push_back(s.rel);
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST(ContextSources, PlainPathsAndDotDot) {
    Fixture f;
    auto root = f.root();
    EXPECT_EQ(rels(bc::resolve_source(root, "a.txt")), V{"a.txt"});
    EXPECT_EQ(rels(bc::resolve_source(root, "./dir/sub/")), V{"dir/sub"});
    EXPECT_EQ(rels(bc::resolve_source(root, "../a.txt")), V{"a.txt"});  // ".." stops at the root
    EXPECT_EQ(rels(bc::resolve_source(root, "/../../dir/../b.txt")), V{"b.txt"});
    auto dot = bc::resolve_source(root, ".");
    ASSERT_TRUE(dot.has_value());
    EXPECT_EQ((*dot)[0].rel, "");
    EXPECT_EQ((*dot)[0].shown, ".");
    EXPECT_TRUE((*dot)[0].is_dir);
    auto missing = bc::resolve_source(root, "nope.txt");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().message, "file not found in build context or excluded by .dockerignore: stat nope.txt: file does not exist");
    EXPECT_FALSE(bc::resolve_source(root, "a.txt/x").has_value());  // through a file
}

TEST(ContextSources, Wildcards) {
    Fixture f;
    auto root = f.root();
    EXPECT_EQ(rels(bc::resolve_source(root, "*.txt")), (V{"a.txt", "b.txt"}));
    EXPECT_EQ(rels(bc::resolve_source(root, "?.md")), V{"c.md"});
    EXPECT_EQ(rels(bc::resolve_source(root, "[ab].txt")), (V{"a.txt", "b.txt"}));
    EXPECT_EQ(rels(bc::resolve_source(root, "dir/*")), (V{"dir/sub", "dir/sub", "dir/x.txt"}));  // link_sub leads to sub
    EXPECT_EQ(rels(bc::resolve_source(root, "*/x.txt")), V{"dir/x.txt"});
    EXPECT_EQ(rels(bc::resolve_source(root, "d*/s*/*.txt")), V{"dir/sub/y.txt"});
    auto names = bc::resolve_source(root, "dir/*");
    ASSERT_TRUE(names.has_value());
    EXPECT_EQ((*names)[0].name, "link_sub");
    EXPECT_EQ((*names)[1].name, "sub");
    auto none = bc::resolve_source(root, "*.nothing");
    ASSERT_FALSE(none.has_value());
    EXPECT_NE(none.error().message.find("no source files were specified"), std::string::npos);
    EXPECT_NE(none.error().message.find("*.nothing"), std::string::npos);
    EXPECT_FALSE(bc::resolve_source(root, "[").has_value());
    // Several patterns keep their order.
    EXPECT_EQ(rels(bc::resolve_sources(root, {"c.md", "*.txt"})), (V{"c.md", "a.txt", "b.txt"}));
    EXPECT_FALSE(bc::resolve_sources(root, {"a.txt", "nope"}).has_value());
}

TEST(ContextSources, SymlinksStayInsideTheRoot) {
    Fixture f;
    auto root = f.root();
    auto in = bc::resolve_source(root, "link_in");
    ASSERT_TRUE(in.has_value());
    EXPECT_EQ((*in)[0].rel, "dir/x.txt");
    EXPECT_EQ((*in)[0].name, "link_in");  // copied under the link's name
    EXPECT_EQ(rels(bc::resolve_source(root, "link_abs")), V{"dir/x.txt"});
    EXPECT_EQ(rels(bc::resolve_source(root, "dir/link_sub/y.txt")), V{"dir/sub/y.txt"});
    EXPECT_EQ(rels(bc::resolve_source(root, "link_root/a.txt")), V{"a.txt"});
    // Escapes find nothing: the host files are never reached.
    EXPECT_FALSE(bc::resolve_source(root, "link_up").has_value());
    EXPECT_FALSE(bc::resolve_source(root, "link_etc_file").has_value());
    EXPECT_FALSE(bc::resolve_source(root, "link_host_dir/passwd").has_value());
    EXPECT_FALSE(bc::resolve_source(root, "loop").has_value());
    // ... until the same path exists inside the root: then that is what they lead to.
    put(f.ctx + "/outside/passwd", "in the context");
    EXPECT_EQ(rels(bc::resolve_source(root, "link_up")), V{"outside/passwd"});
    put(f.ctx + f.base.path + "/outside/passwd", "deep");
    EXPECT_EQ(rels(bc::resolve_source(root, "link_host_dir/passwd")), V{(f.base.path + "/outside/passwd").substr(1)});
}

TEST(ContextSources, DockerignoreHidesSources) {
    Fixture f("*.md\nsecret\ndir/sub\n!dir/sub/keep\nb.txt");
    auto root = f.root();
    EXPECT_FALSE(bc::resolve_source(root, "c.md").has_value());
    EXPECT_FALSE(bc::resolve_source(root, "secret").has_value());
    EXPECT_FALSE(bc::resolve_source(root, "link_secret").has_value());  // a link to an excluded file
    EXPECT_FALSE(bc::resolve_source(root, "dir/sub/y.txt").has_value());
    EXPECT_EQ(rels(bc::resolve_source(root, "dir/sub")), V{"dir/sub"});  // re-included below: still there
    EXPECT_EQ(rels(bc::resolve_source(root, "*.txt")), V{"a.txt"});
    EXPECT_FALSE(bc::resolve_source(root, "*.md").has_value());
    // A stage's root has no ignore rules.
    auto stage = f.root(false);
    EXPECT_EQ(rels(bc::resolve_source(stage, "c.md")), V{"c.md"});
    auto miss = bc::resolve_source(stage, "nope");
    ASSERT_FALSE(miss.has_value());
    EXPECT_EQ(miss.error().message.find("build context"), std::string::npos);
}

TEST(ContextRootPath, CreatesAndFollowsInside) {
    TempDir t;
    ::mkdir((t.path + "/etc").c_str(), 0755);
    link("/etc", t.path + "/app");
    link("../../../..", t.path + "/up");
    int root = ::open(t.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root, 0);
    bc::ResolveOptions o;
    o.create_parents = true;
    o.make_last_dir = true;
    auto r = bc::resolve_in_root(root, "/app/conf.d/x", o);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->rel, "etc/conf.d/x");
    struct stat st {};
    EXPECT_EQ(::stat((t.path + "/etc/conf.d/x").c_str(), &st), 0);
    auto up = bc::resolve_in_root(root, "up/up/etc");
    ASSERT_TRUE(up.has_value());
    EXPECT_EQ(up->rel, "etc");
    bc::ResolveOptions nofollow;
    nofollow.follow_last = false;
    auto l = bc::resolve_in_root(root, "app", nofollow);
    ASSERT_TRUE(l.has_value());
    EXPECT_TRUE(S_ISLNK(l->st.st_mode));
    auto missing = bc::resolve_in_root(root, "a/b/c");
    EXPECT_FALSE(missing.has_value());
    auto last_missing = bc::resolve_in_root(root, "etc/new");
    ASSERT_TRUE(last_missing.has_value());
    EXPECT_FALSE(last_missing->exists);
    EXPECT_EQ(last_missing->rel, "etc/new");
    ::close(root);
}
