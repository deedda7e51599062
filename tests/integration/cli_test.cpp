// Commands that report rather than run: spec, features, --version, list, and the
// --log / --log-format global options.
#include <gmock/gmock.h>

#include "harness.hpp"

namespace brig::it {
namespace {

using ::testing::HasSubstr;

class CliTest : public RuntimeTest {};

TEST_F(CliTest, SpecWritesAConfigThatParses) {
    Container c;  // for a private temp dir
    fs::path dir = c.dir() / "spec-here";
    fs::create_directory(dir);
    ProcOptions o;
    o.cwd = dir;
    auto r = run_process({runtime_path(), "spec"}, o);
    ASSERT_TRUE(r.ok()) << r;
    ASSERT_TRUE(fs::exists(dir / "config.json"));
    json cfg = json::parse(read_text(dir / "config.json"), nullptr, false);
    ASSERT_FALSE(cfg.is_discarded()) << read_text(dir / "config.json");
    EXPECT_TRUE(cfg["ociVersion"].is_string());
    EXPECT_TRUE(cfg["process"]["args"].is_array() && !cfg["process"]["args"].empty());
    EXPECT_EQ(cfg["root"]["path"], "rootfs");
    std::set<std::string> ns;
    for (const auto& n : cfg["linux"]["namespaces"]) ns.insert(n["type"]);
    for (const char* t : {"pid", "mount", "ipc", "uts", "network"}) EXPECT_TRUE(ns.contains(t)) << t;
    EXPECT_FALSE(cfg["mounts"].empty());
}

TEST_F(CliTest, SpecDoesNotOverwriteAnExistingConfig) {
    Container c;
    fs::path dir = c.dir() / "spec-here";
    fs::create_directory(dir);
    write_text(dir / "config.json", "{\"mine\": true}");
    ProcOptions o;
    o.cwd = dir;
    auto r = run_process({runtime_path(), "spec"}, o);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_THAT(r.err, HasSubstr("config.json"));
    EXPECT_EQ(read_text(dir / "config.json"), "{\"mine\": true}");
}

TEST_F(CliTest, FeaturesPrintsJson) {
    auto r = run_process({runtime_path(), "features"});
    ASSERT_TRUE(r.ok()) << r;
    json f = parse_json_output(r);
    ASSERT_TRUE(f.is_object()) << r.out;
    EXPECT_TRUE(f["ociVersionMin"].is_string()) << r.out;
    EXPECT_TRUE(f["ociVersionMax"].is_string()) << r.out;
    EXPECT_TRUE(f["ociVersionMin"].get<std::string>().starts_with("1.")) << r.out;
}

TEST_F(CliTest, VersionPrintsSomething) {
    auto r = run_process({runtime_path(), "--version"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("version"));
}

TEST_F(CliTest, ListWithNoContainers) {
    Container c;
    auto r = c.runtime({"list"});
    ASSERT_TRUE(r.ok()) << r;
    EXPECT_THAT(r.out, HasSubstr("ID"));
    EXPECT_THAT(r.out, HasSubstr("STATUS"));
    r = c.runtime({"list", "--format", "json"});
    ASSERT_TRUE(r.ok()) << r;
    json j = parse_json_output(r);
    EXPECT_TRUE(j.is_null() || j == json::array()) << r.out;  // runc prints null
}

TEST_F(CliTest, ListShowsContainers) {
    Container c;
    c.set_args({"sleep", "100"});
    std::string second = c.new_id();
    ASSERT_TRUE(c.create(c.id()).ok());
    ASSERT_TRUE(c.create(second).ok());
    ASSERT_TRUE(c.start(second).ok());

    auto r = c.runtime({"list"});
    ASSERT_TRUE(r.ok()) << r;
    std::stringstream ss(r.out);
    std::string header;
    std::getline(ss, header);
    for (const char* col : {"ID", "PID", "STATUS", "BUNDLE"}) EXPECT_THAT(header, HasSubstr(col));
    std::map<std::string, std::string> rows;
    for (std::string line; std::getline(ss, line);) {
        std::stringstream ls(line);
        std::string id;
        ls >> id;
        rows[id] = line;
    }
    ASSERT_TRUE(rows.contains(c.id())) << r.out;
    ASSERT_TRUE(rows.contains(second)) << r.out;
    EXPECT_THAT(rows[c.id()], HasSubstr("created"));
    EXPECT_THAT(rows[c.id()], HasSubstr(c.bundle().string()));
    EXPECT_THAT(rows[second], HasSubstr("running"));

    r = c.runtime({"list", "--format", "json"});
    ASSERT_TRUE(r.ok()) << r;
    json j = parse_json_output(r);
    ASSERT_TRUE(j.is_array()) << r.out;
    ASSERT_EQ(j.size(), 2u) << r.out;
    std::map<std::string, json> by_id;
    for (const auto& e : j) by_id[e.value("id", "")] = e;
    ASSERT_TRUE(by_id.contains(c.id()) && by_id.contains(second)) << r.out;
    EXPECT_EQ(by_id[c.id()]["status"], "created");
    EXPECT_EQ(by_id[second]["status"], "running");
    EXPECT_EQ(by_id[c.id()]["pid"], c.state_json(c.id())["pid"]);
    EXPECT_EQ(fs::path(by_id[c.id()].value("bundle", "")), c.bundle());
}

TEST_F(CliTest, LogFileInJsonFormat) {
    Container c;
    fs::path log = c.dir() / "runtime.log";
    auto r = c.runtime_with({"--log", log.string(), "--log-format", "json"}, {"state", "no-such-container"});
    EXPECT_NE(r.exit_code, 0) << r;
    ASSERT_TRUE(fs::exists(log)) << "no log file written";
    std::stringstream ss(read_text(log));
    int errors = 0, lines = 0;
    for (std::string line; std::getline(ss, line);) {
        if (line.empty()) continue;
        ++lines;
        json entry = json::parse(line, nullptr, false);
        ASSERT_TRUE(entry.is_object()) << "log line is not a JSON object: " << line;
        EXPECT_TRUE(entry["msg"].is_string()) << line;
        EXPECT_TRUE(entry["level"].is_string()) << line;
        if (entry["level"] == "error") ++errors;
    }
    EXPECT_GT(errors, 0) << "the error was not logged: " << read_text(log);
}

}  // namespace
}  // namespace brig::it
