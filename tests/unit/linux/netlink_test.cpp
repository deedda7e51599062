// rtnetlink: message building and parsing, and (as root) moving a link between
// network namespaces this test creates itself; the host's interfaces are never touched.
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>

#include "linux/netlink.hpp"

namespace brig::netlink {
namespace {

std::string text_of(const Attr& a) { return std::string(reinterpret_cast<const char*>(a.payload.data()), a.payload.size()); }

TEST(Netlink, RequestLayout) {
    ifinfomsg ifi{};
    ifi.ifi_index = 7;
    Request req(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifi);
    req.put_u32(IFLA_NET_NS_PID, 1234);
    req.put_string(IFLA_IFNAME, "net0");
    req.set_seq(42);
    auto b = req.bytes();
    // header 16 + ifinfomsg 16 + u32 attr 8 + "net0\0" attr 9 padded to 12
    ASSERT_EQ(b.size(), 52u);

    nlmsghdr h;
    std::memcpy(&h, b.data(), sizeof(h));
    EXPECT_EQ(h.nlmsg_len, 52u);
    EXPECT_EQ(h.nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    EXPECT_EQ(h.nlmsg_seq, 42u);
    ifinfomsg got;
    std::memcpy(&got, b.data() + 16, sizeof(got));
    EXPECT_EQ(got.ifi_index, 7);

    auto attrs = parse_attrs(b.subspan(32));
    ASSERT_TRUE(attrs) << attrs.error().what();
    ASSERT_EQ(attrs->size(), 2u);
    EXPECT_EQ((*attrs)[0].type, IFLA_NET_NS_PID);
    ASSERT_EQ((*attrs)[0].payload.size(), 4u);
    uint32_t pid;
    std::memcpy(&pid, (*attrs)[0].payload.data(), 4);
    EXPECT_EQ(pid, 1234u);
    EXPECT_EQ((*attrs)[1].type, IFLA_IFNAME);
    EXPECT_EQ(text_of((*attrs)[1]), std::string("net0\0", 5));
}

TEST(Netlink, NestedAttributes) {
    Request req(RTM_NEWLINK, NLM_F_REQUEST, ifinfomsg{});
    auto info = req.begin_nested(IFLA_LINKINFO);
    req.put_string(IFLA_INFO_KIND, "dummy");
    req.end_nested(info);
    auto outer = parse_attrs(req.bytes().subspan(32));
    ASSERT_TRUE(outer);
    ASSERT_EQ(outer->size(), 1u);
    EXPECT_EQ((*outer)[0].type, IFLA_LINKINFO);
    EXPECT_EQ((*outer)[0].payload.size(), 12u);  // "dummy\0" attr: 4 + 6, padded to 12
    auto inner = parse_attrs((*outer)[0].payload);
    ASSERT_TRUE(inner);
    ASSERT_EQ(inner->size(), 1u);
    EXPECT_EQ((*inner)[0].type, IFLA_INFO_KIND);
    EXPECT_EQ(text_of((*inner)[0]), std::string("dummy\0", 6));
}

// Little-endian-agnostic byte building for hand-made kernel replies.
struct Buf {
    std::vector<unsigned char> b;
    template <class T>
    Buf& add(const T& v) {
        auto p = reinterpret_cast<const unsigned char*>(&v);
        b.insert(b.end(), p, p + sizeof(v));
        return *this;
    }
    Buf& attr(uint16_t type, std::string_view payload, bool pad = true) {
        add(rtattr{static_cast<unsigned short>(4 + payload.size()), type});
        b.insert(b.end(), payload.begin(), payload.end());
        if (pad) b.resize((b.size() + 3) & ~std::size_t{3}, 0);
        return *this;
    }
    Bytes bytes() const { return b; }
};

TEST(Netlink, ParseAttrsBounds) {
    Buf two = std::move(Buf{}.attr(1, "ab").attr(2, "xyz", false));  // last padding missing: fine
    auto ok = parse_attrs(two.bytes());
    ASSERT_TRUE(ok) << ok.error().what();
    ASSERT_EQ(ok->size(), 2u);
    EXPECT_EQ(text_of((*ok)[1]), "xyz");
    EXPECT_EQ((*ok)[0].type, 1);

    EXPECT_FALSE(parse_attrs(Buf{}.add(uint16_t{4}).bytes()));                 // truncated header
    EXPECT_FALSE(parse_attrs(Buf{}.add(rtattr{2, 1}).bytes()));                // length below the header
    EXPECT_FALSE(parse_attrs(Buf{}.add(rtattr{12, 1}).add(uint32_t{}).bytes()));  // length past the end
    Buf flagged = std::move(Buf{}.add(rtattr{4, NLA_F_NESTED | 3}));
    auto nested = parse_attrs(flagged.bytes());
    ASSERT_TRUE(nested);
    EXPECT_EQ((*nested)[0].type, 3);  // flag bits stripped
}

// An NLMSG_ERROR reply to `seq`, optionally capped and with extended-ack TLVs.
Buf error_reply(uint32_t seq, int error, uint16_t flags = 0, std::string_view tlvs = {}, std::size_t echoed = 0) {
    nlmsgerr e{};
    e.error = error;
    e.msg.nlmsg_len = static_cast<uint32_t>(sizeof(nlmsghdr) + echoed);
    e.msg.nlmsg_seq = seq;
    std::size_t len = sizeof(nlmsghdr) + sizeof(e) + echoed + tlvs.size();
    Buf b;
    b.add(nlmsghdr{static_cast<uint32_t>(len), NLMSG_ERROR, flags, seq, 0}).add(e);
    b.b.resize(b.b.size() + echoed, 0xee);
    b.b.insert(b.b.end(), tlvs.begin(), tlvs.end());
    return b;
}

TEST(Netlink, ParseAck) {
    auto ok = parse_ack(error_reply(5, 0).bytes(), 5);
    ASSERT_TRUE(ok && *ok);
    EXPECT_EQ((*ok)->error, 0);

    auto enodev = parse_ack(error_reply(5, -ENODEV).bytes(), 5);
    ASSERT_TRUE(enodev && *enodev);
    EXPECT_EQ((*enodev)->error, ENODEV);
    EXPECT_EQ((*enodev)->message, "");

    auto other = parse_ack(error_reply(4, -ENODEV).bytes(), 5);  // answers someone else
    ASSERT_TRUE(other);
    EXPECT_FALSE(*other);

    // A non-error message first, then the ack in the same datagram.
    Buf two;
    two.add(nlmsghdr{sizeof(nlmsghdr), NLMSG_NOOP, 0, 5, 0});
    auto ack = error_reply(5, -EEXIST).b;
    two.b.insert(two.b.end(), ack.begin(), ack.end());
    auto second = parse_ack(two.bytes(), 5);
    ASSERT_TRUE(second && *second);
    EXPECT_EQ((*second)->error, EEXIST);
}

TEST(Netlink, ParseAckExtendedMessage) {
    auto raw = Buf{}.attr(NLMSGERR_ATTR_MSG, std::string_view("Unknown device type\0", 20)).b;
    std::string tlv(raw.begin(), raw.end());
    auto capped = parse_ack(error_reply(1, -EOPNOTSUPP, NLM_F_CAPPED | NLM_F_ACK_TLVS, tlv).bytes(), 1);
    ASSERT_TRUE(capped && *capped) << (capped ? "" : capped.error().what());
    EXPECT_EQ((*capped)->error, EOPNOTSUPP);
    EXPECT_EQ((*capped)->message, "Unknown device type");

    // Not capped: the TLVs come after the whole echoed request.
    auto full = parse_ack(error_reply(1, -EOPNOTSUPP, NLM_F_ACK_TLVS, tlv, 16).bytes(), 1);
    ASSERT_TRUE(full && *full) << (full ? "" : full.error().what());
    EXPECT_EQ((*full)->message, "Unknown device type");
}

TEST(Netlink, ParseAckRejectsMalformed) {
    auto b = error_reply(1, 0).b;
    EXPECT_FALSE(parse_ack(Bytes(b).first(10), 1));                  // truncated header
    EXPECT_FALSE(parse_ack(Bytes(b).first(sizeof(nlmsghdr) + 4), 1));  // nlmsg_len past the end
    auto short_err = b;
    uint32_t len = sizeof(nlmsghdr) + 4;  // claims a 4-byte nlmsgerr
    std::memcpy(short_err.data(), &len, sizeof(len));
    EXPECT_FALSE(parse_ack(Bytes(short_err).first(len), 1));
    auto bad_tlv = error_reply(1, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, std::string("\x40\0\1\0", 4)).b;
    EXPECT_FALSE(parse_ack(bad_tlv, 1));  // attribute longer than the message
}

TEST(Netlink, LinkIndex) {
    // Read-only lookups in the test's own namespace.
    auto lo = link_index("lo");
    ASSERT_TRUE(lo) << lo.error().what();
    EXPECT_GT(*lo, 0);
    auto missing = link_index("brig-nosuch0");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().what(), "look up network interface brig-nosuch0: No such device");
}

constexpr int kSkip = 77;

int wait_for(pid_t pid) {
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run_in_child(const std::function<int()>& fn) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(fn());
    return wait_for(pid);
}

int complain(const char* step, const Error& e) {
    std::fprintf(stderr, "%s: %s\n", step, e.what().c_str());
    return 1;
}

// Runs in a child that already has its own network namespace holding link "brigtest0".
int move_into_sibling_namespace() {
    // Errors name the device, and bad names are caught before the kernel sees them.
    auto missing = move_link_to_netns("brig-nosuch0", ::getpid(), "");
    if (missing || missing.error().what() !=
                       "linux.netDevices: move brig-nosuch0 into the container's network namespace: No such device")
        return missing ? 10 : complain("missing device", missing.error());
    auto badname = move_link_to_netns("brigtest0", ::getpid(), "bad/name");
    if (badname || badname.error().message.find("invalid interface name \"bad/name\"") == std::string::npos) return 11;

    int ready[2], go[2];
    if (::pipe(ready) < 0 || ::pipe(go) < 0) return 12;
    pid_t target = ::fork();
    if (target == 0) {
        // The "container": a second new network namespace, told when its link arrived.
        char ok = ::unshare(CLONE_NEWNET) == 0;
        if (::write(ready[1], &ok, 1) != 1 || ::read(go[0], &ok, 1) != 1) ::_exit(20);
        bool renamed = ::if_nametoindex("ctr0") != 0, old_gone = ::if_nametoindex("brigtest0") == 0;
        ::_exit(renamed && old_gone ? 0 : 21);
    }
    char ok = 0;
    if (::read(ready[0], &ok, 1) != 1 || !ok) return 13;
    auto moved = move_link_to_netns("brigtest0", target, "ctr0");
    if (::write(go[1], &ok, 1) != 1) return 14;
    int target_rc = wait_for(target);
    if (!moved) return complain("move", moved.error());
    if (::if_nametoindex("brigtest0") != 0) return 15;  // must have left this namespace
    return target_rc;
}

TEST(Netlink, MoveLinkIntoOtherNamespaceRenamed) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    int rc = run_in_child([] {
        if (::unshare(CLONE_NEWNET) < 0) return errno == EPERM ? kSkip : 2;
        auto made = create_dummy("brigtest0");
        if (!made && made.error().errnum == EOPNOTSUPP) made = create_veth("brigtest0", "brigpeer0");
        if (!made) return made.error().errnum == EOPNOTSUPP ? kSkip : complain("create link", made.error());
        return move_into_sibling_namespace();
    });
    if (rc == kSkip) GTEST_SKIP() << "no network namespaces, or neither dummy nor veth links";
    EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace brig::netlink
