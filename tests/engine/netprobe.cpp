// brig-netprobe: a static UDP helper for the engine's network tests (busybox has no UDP server).
//   brig-netprobe udp-echo PORT   answers every datagram on 0.0.0.0:PORT with "echo:" + payload.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    if (argc != 3 || std::strcmp(argv[1], "udp-echo") != 0) {
        std::fprintf(stderr, "usage: brig-netprobe udp-echo PORT\n");
        return 2;
    }
    int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
    if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) < 0) {
        std::perror("bind");
        return 1;
    }
    for (;;) {
        char buf[512];
        sockaddr_in from{};
        socklen_t len = sizeof(from);
        ssize_t n = ::recvfrom(s, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) continue;
        std::string reply = "echo:" + std::string(buf, static_cast<std::size_t>(n));
        (void)::sendto(s, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
}
