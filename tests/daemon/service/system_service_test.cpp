// SystemService through libsystemd's real sd_notify, to a datagram socket the
// test binds and names in $NOTIFY_SOCKET, as systemd would.
#include "daemon/service/system_service.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using namespace clara::daemon;
using namespace std::chrono_literals;

namespace {

class NotifySocket {
 public:
  NotifySocket() {
    path_ = std::filesystem::temp_directory_path() / ("clara-notify-test-" + std::to_string(getpid()));
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    std::filesystem::remove(path_);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "bind " << path_;
  }
  ~NotifySocket() {
    close(fd_);
    std::filesystem::remove(path_);
  }
  std::string path() const { return path_.string(); }
  // The datagrams that arrive within `wait`.
  std::vector<std::string> receive(std::chrono::milliseconds wait) {
    std::vector<std::string> got;
    const auto end = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) got.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

struct Counters {
  std::atomic<std::uint64_t> output{0}, inference{0};
  SupervisorProbes probes() {
    return {[this] { return Progress{output.load(), inference.load()}; },
            [] {
              ServiceStatus s;
              s.model = "notewise-piano";
              s.mode = "accompany";
              s.bpm = 90;
              return s;
            }};
  }
};

std::size_t count(const std::vector<std::string>& got, const std::string& message) {
  std::size_t n = 0;
  for (const auto& m : got) n += m == message;
  return n;
}

}  // namespace

TEST(SystemService, ReadyWatchdogAndStoppingReachTheNotifySocket) {
  NotifySocket sock;
  setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
  setenv("WATCHDOG_USEC", "40000", 1);  // pings every 20 ms
  unsetenv("WATCHDOG_PID");
  Counters c;
  std::atomic<bool> run{true};
  std::thread work([&] {
    while (run) ++c.output, ++c.inference, std::this_thread::sleep_for(1ms);
  });
  {
    SystemService service(c.probes());
    auto got = sock.receive(150ms);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front(), "READY=1\nSTATUS=model notewise-piano, mode accompany, 90 bpm, 0 late events");
    EXPECT_GE(count(got, "WATCHDOG=1"), 3u);
    service.stopping();
    got = sock.receive(50ms);
    ASSERT_EQ(got.size(), 1u);  // no ping after STOPPING=1's supervisor stop
    EXPECT_EQ(got.front().rfind("STOPPING=1\n", 0), 0u);
    service.stopping();  // idempotent
    EXPECT_TRUE(sock.receive(10ms).empty());
  }
  run = false;
  work.join();
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
}

TEST(SystemService, WithoutNotifySocketNothingIsSent) {
  NotifySocket sock;
  unsetenv("NOTIFY_SOCKET");
  setenv("WATCHDOG_USEC", "40000", 1);
  Counters c;
  {
    SystemService service(c.probes());
    ++c.output, ++c.inference;
    service.stopping();
  }
  EXPECT_TRUE(sock.receive(60ms).empty());
  EXPECT_FALSE(notify_socket_set());
  unsetenv("WATCHDOG_USEC");
}
