// Overlay container roots: options within the page limit (unit), whiteouts and opaque dirs seen
// through a real overlay mount, a 120-layer image, two containers sharing lower layers (root).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "storage/overlay.hpp"
#include "test_util.hpp"

using namespace brig;
using namespace brig::image;
using namespace brig::image::test;

TEST(StorageOptions, ShortLinksFitManyLayers) {
    std::vector<std::string> lowers;
    for (int i = 0; i < 120; ++i) lowers.push_back("l/abcdefghij");
    auto o = storage::overlay_options(lowers, "/var/lib/brig/containers-storage/0123456789abcdef/diff",
                                      "/var/lib/brig/containers-storage/0123456789abcdef/work");
    ASSERT_TRUE(o);
    EXPECT_LT(o->size(), 4096u);
    EXPECT_TRUE(o->starts_with("lowerdir=l/abcdefghij:l/"));
    for (int i = 0; i < 300; ++i) lowers.push_back("l/abcdefghij");
    auto too_many = storage::overlay_options(lowers, "/u", "/w");
    ASSERT_FALSE(too_many);
    EXPECT_NE(too_many.error().message.find("420 layers"), std::string::npos) << too_many.error().message;
}

namespace {

class Overlay : public ::testing::Test {
protected:
    void SetUp() override {
        if (!is_root()) GTEST_SKIP() << "needs root";
        store.emplace(std::move(*Store::open(tmp.path() + "/root")));
        auto c = storage::ContainerStorage::open(*store);
        ASSERT_TRUE(c) << c.error().what();
        cs.emplace(std::move(*c));
    }
    void TearDown() override {
        if (cs)
            for (auto& id : ids) (void)cs->remove(id);
    }
    std::string prepare(const std::string& id, const ImageRecord& img) {
        ids.push_back(id);
        auto r = cs->prepare(id, img);
        EXPECT_TRUE(r) << (r ? "" : r.error().what());
        return r ? *r : "";
    }
    bool present(const std::string& p) {
        struct stat st {};
        return ::lstat(p.c_str(), &st) == 0;
    }
    TempDir tmp;
    std::optional<Store> store;
    std::optional<storage::ContainerStorage> cs;
    std::vector<std::string> ids;
};

}  // namespace

TEST_F(Overlay, WhiteoutsAndOpaqueDirsThroughOverlay) {
    std::string base = TarBuilder().dir("a/").file("a/x", "x").file("a/y", "y").dir("b/").file("b/z", "z").file("f", "f").str();
    std::string top = TarBuilder().file("a/.wh.x", "").file("b/.wh..wh..opq", "").file("b/new", "n").file(".wh.f", "").str();
    auto img = make_image(*store, {gzip(base), top}, "wh");
    std::string root = prepare("c1", img);
    ASSERT_FALSE(root.empty());
    EXPECT_FALSE(present(root + "/a/x"));
    EXPECT_TRUE(present(root + "/a/y"));
    EXPECT_FALSE(present(root + "/b/z"));
    EXPECT_EQ(read_file(root + "/b/new"), "n");
    EXPECT_FALSE(present(root + "/f"));
    // Writes go to the container's upper dir, never to the shared layer.
    write_file(root + "/a/y", "changed");
    EXPECT_EQ(read_file(store->layer_diff(img.layers[0].diff_id) + "/a/y"), "y");
    EXPECT_EQ(read_file(cs->upper_path("c1") + "/a/y"), "changed");
    // A second container from the same image shares the lower layers and sees the original.
    std::string root2 = prepare("c2", img);
    EXPECT_EQ(read_file(root2 + "/a/y"), "y");
    auto used = cs->containers_using(img.id.str());
    ASSERT_TRUE(used);
    EXPECT_EQ(used->size(), 2u);
    // Unmount and mount again keeps the container's changes.
    ASSERT_TRUE(cs->unmount("c1"));
    EXPECT_FALSE(cs->is_mounted("c1"));
    ASSERT_TRUE(cs->mount("c1"));
    EXPECT_EQ(read_file(root + "/a/y"), "changed");
    ASSERT_TRUE(cs->remove("c1"));
    EXPECT_FALSE(present(cs->dir("c1")));
    auto dup = cs->prepare("c2", img);
    ASSERT_FALSE(dup);
    EXPECT_NE(dup.error().message.find("already exists"), std::string::npos);
}

TEST_F(Overlay, HundredTwentyLayerImage) {
    std::vector<std::string> layers;
    for (int i = 0; i < 120; ++i) layers.push_back(TarBuilder().file("layer" + std::to_string(i), std::to_string(i)).file("top", std::to_string(i)).str());
    auto img = make_image(*store, layers, "many");
    ASSERT_EQ(img.layers.size(), 120u);
    std::string root = prepare("many", img);
    ASSERT_FALSE(root.empty());
    EXPECT_EQ(read_file(root + "/layer0"), "0");
    EXPECT_EQ(read_file(root + "/layer119"), "119");
    EXPECT_EQ(read_file(root + "/top"), "119");  // the last layer wins
}
