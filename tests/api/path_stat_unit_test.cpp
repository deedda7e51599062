// The pure pieces of docker cp's archive routes: Go's os.FileMode of an st_mode, Go's time text,
// the X-Docker-Container-Path-Stat header and the query.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "api/path_stat.hpp"
#include "image/registry/challenge.hpp"

using brig::api::go_file_mode;

TEST(PathStat, FileModeHasGosTypeAndSpecialBits) {
    EXPECT_EQ(go_file_mode(S_IFREG | 0644), 0644u);
    EXPECT_EQ(go_file_mode(S_IFDIR | 0755), (1u << 31) | 0755u);
    EXPECT_EQ(go_file_mode(S_IFLNK | 0777), (1u << 27) | 0777u);
    EXPECT_EQ(go_file_mode(S_IFIFO | 0600), (1u << 25) | 0600u);
    EXPECT_EQ(go_file_mode(S_IFSOCK | 0755), (1u << 24) | 0755u);
    EXPECT_EQ(go_file_mode(S_IFBLK | 0660), (1u << 26) | 0660u);
    EXPECT_EQ(go_file_mode(S_IFCHR | 0666), (1u << 26) | (1u << 21) | 0666u);
    EXPECT_EQ(go_file_mode(S_IFREG | S_ISUID | 0755), (1u << 23) | 0755u);
    EXPECT_EQ(go_file_mode(S_IFREG | S_ISGID | 0755), (1u << 22) | 0755u);
    EXPECT_EQ(go_file_mode(S_IFDIR | S_ISVTX | 0777), (1u << 31) | (1u << 20) | 0777u);
}

TEST(PathStat, TimeIsRfc3339WithTrailingZerosOfTheFractionDropped) {
    EXPECT_EQ(brig::api::go_time_text(0, 0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(brig::api::go_time_text(1700000000, 500000000), "2023-11-14T22:13:20.5Z");
    EXPECT_EQ(brig::api::go_time_text(1700000000, 123456789), "2023-11-14T22:13:20.123456789Z");
    EXPECT_EQ(brig::api::go_time_text(1700000000, 1000), "2023-11-14T22:13:20.000001Z");
}

TEST(PathStat, HeaderIsBase64OfDockersContainerPathStat) {
    brig::engine::PathStat st{"hosts", 12, S_IFLNK | 0777, 1700000000, 0, "/etc/hosts"};
    auto raw = brig::registry::base64_decode(brig::api::path_stat_header(st));
    ASSERT_TRUE(raw) << raw.error().what();
    auto j = nlohmann::json::parse(*raw);
    EXPECT_EQ(j["name"], "hosts");
    EXPECT_EQ(j["size"], 12);
    EXPECT_EQ(j["mode"], (1u << 27) | 0777u);
    EXPECT_EQ(j["mtime"], "2023-11-14T22:13:20Z");
    EXPECT_EQ(j["linkTarget"], "/etc/hosts");
}

TEST(PathStat, QueryNeedsAPathAndReadsDockersFlags) {
    brig::api::Request req;
    EXPECT_FALSE(brig::api::parse_archive_query(req));
    req.query = {{"path", ""}};
    EXPECT_FALSE(brig::api::parse_archive_query(req));
    req.query = {{"path", "/etc/."}, {"noOverwriteDirNonDir", "true"}, {"copyUIDGID", "1"}};
    auto q = brig::api::parse_archive_query(req);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->path, "/etc/.");
    EXPECT_TRUE(q->no_overwrite_dir_non_dir);
    EXPECT_TRUE(q->copy_uid_gid);
    req.query = {{"path", "/x"}};
    q = brig::api::parse_archive_query(req);
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->no_overwrite_dir_non_dir);
    EXPECT_FALSE(q->copy_uid_gid);
}
