// --userns=auto, --uidmap/--gidmap for root (engine/usermap.hpp): root inside, a mapped uid on
// the host, an image that still looks root-owned (id-mapped layers), files in a bind-mounted
// volume owned by the mapped host uid, ranges of two containers apart.
#include "fixture.hpp"

namespace brig::test {
namespace {

class Userns : public EngineFixture {
protected:
    void SetUp() override {
        EngineFixture::SetUp();
        // The container's root (a mapped uid) must traverse the path to its root (as /var/lib/brig).
        if (!dir_.empty()) fs::permissions(dir_, fs::perms(0711));
    }

    // The container's recorded [[container, host, size], ...] uid mappings.
    json uid_mappings(const std::string& id) {
        json rec = json::parse(slurp(root_ + "/containers/" + id + "/container.json"), nullptr, false);
        if (rec.is_discarded()) return json();
        if (rec.contains("uid_mappings")) return rec["uid_mappings"];
        return json();
    }

    std::string status_uid(pid_t pid) {
        for (const auto& l : lines(slurp("/proc/" + std::to_string(pid) + "/status")))
            if (l.starts_with("Uid:")) return l;
        return "";
    }
};

TEST_F(Userns, AutoImageRootOwnedVolumeMapped) {
    auto p = brig({"load", "-i", BRIG_ET_IMAGE});
    ASSERT_EQ(p.code, 0) << p;
    std::string vol = dir_ + "/vol";
    fs::create_directories(vol);
    fs::permissions(vol, fs::perms::all);
    p = brig_run_image("busybox", {"-d", "--userns=auto", "-v", vol + ":/vol"},
                       {"sh", "-c", "id -u > /vol/id; stat -c %u:%g /bin/busybox /etc/passwd /bin > /vol/stat; "
                                    "touch /vol/made; sleep 30"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id = lines(p.out).at(0);
    ASSERT_TRUE(eventually([&] { return fs::exists(vol + "/made"); })) << brig({"logs", id});
    EXPECT_EQ(slurp(vol + "/id"), "0\n");
    EXPECT_EQ(slurp(vol + "/stat"), "0:0\n0:0\n0:0\n");
    json maps = uid_mappings(id);
    ASSERT_TRUE(maps.is_array() && !maps.empty()) << maps;
    uint32_t host = maps[0][1].get<uint32_t>();
    EXPECT_EQ(maps[0][0].get<uint32_t>(), 0u);
    EXPECT_EQ(maps[0][2].get<uint32_t>(), 65536u);
    EXPECT_NE(host, 0u);
    // The volume file belongs to the mapped host uid.
    struct stat st {};
    ASSERT_EQ(stat((vol + "/made").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, host);
    // The container's process runs as the mapped uid on the host.
    p = brig({"inspect", "-f", "{{.State.Pid}}", id});
    ASSERT_EQ(p.code, 0) << p;
    pid_t pid = std::stoi(p.out);
    std::string uid_line = status_uid(pid);
    EXPECT_NE(uid_line.find(std::to_string(host)), std::string::npos) << uid_line;

    // A second auto container gets a range apart from the first.
    p = brig_run_image("busybox", {"-d", "--userns=auto:size=1000"}, {"sleep", "30"});
    ASSERT_EQ(p.code, 0) << p;
    std::string id2 = lines(p.out).at(0);
    json maps2 = uid_mappings(id2);
    ASSERT_TRUE(maps2.is_array() && !maps2.empty()) << maps2;
    uint64_t h2 = maps2[0][1].get<uint32_t>();
    EXPECT_EQ(maps2[0][2].get<uint32_t>(), 1000u);
    EXPECT_TRUE(h2 + 1000 <= host || h2 >= uint64_t{host} + 65536) << host << " " << h2;

    EXPECT_EQ(brig({"rm", "-f", id}).code, 0);
    EXPECT_EQ(brig({"rm", "-f", id2}).code, 0);
    // Nothing of the id-mapped mounts is left.
    EXPECT_EQ(slurp("/proc/self/mountinfo").find(root_ + "/idmap"), std::string::npos);
    EXPECT_FALSE(fs::exists(root_ + "/idmap/" + id));
}

TEST_F(Userns, ExplicitUidmapOnRootfsDir) {
    auto p = brig_run({"--rm", "--network", "none", "--uidmap", "0:2100000000:65536"},
                      {"sh", "-c", "id -u; stat -c %u:%g /bin/busybox; cat /proc/self/uid_map"});
    ASSERT_EQ(p.code, 0) << p;
    auto l = lines(p.out);
    ASSERT_GE(l.size(), 3u) << p;
    EXPECT_EQ(l[0], "0");
    EXPECT_EQ(l[1], "0:0");
    EXPECT_NE(l[2].find("2100000000"), std::string::npos) << p;
}

TEST_F(Userns, BadFlagsAreRefused) {
    auto p = brig_run({"--rm", "--userns=bogus"}, {"true"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("--userns"), std::string::npos) << p;
    p = brig_run({"--rm", "--uidmap", "0:x:1"}, {"true"});
    EXPECT_NE(p.code, 0);
    EXPECT_NE(p.err.find("0:x:1"), std::string::npos) << p;
    p = brig_run({"--rm", "--userns=auto", "--uidmap", "0:100000:10"}, {"true"});
    EXPECT_NE(p.code, 0);
    EXPECT_EQ(brig({"ps", "-a", "-q"}).out, "");
}

}  // namespace
}  // namespace brig::test
