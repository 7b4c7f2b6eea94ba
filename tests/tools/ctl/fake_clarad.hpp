#pragma once
// A stand-in for clarad's OSC control plane on 127.0.0.1, written with liblo (an
// independent OSC implementation, so the client's encoder and decoder are checked
// against someone else's). It answers the documented address space from a small
// table of settings, records every request it accepts as text ("/clara/meter ii 3 4"),
// and can misbehave on demand: stay silent, reply first from another port, send
// unrelated messages before the answer, require a token.
#include <lo/lo.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace clara::ctl::test {

class FakeClarad {
 public:
  struct Options {
    int proto = LO_UDP;                // LO_UDP or LO_TCP
    std::optional<std::string> token;  // requests without it are dropped, unanswered
    bool silent = false;               // never answer
    bool decoy = false;                // answer from another port first (the client must ignore it)
    bool noise = false;                // send a push and someone else's /clara/ok before each answer
    bool slip = false;                 // TCP: answer SLIP-framed (liblo reads either, but writes what it is told)
    Options& tcp() { proto = LO_TCP; return *this; }
    Options& tcp_slip() { proto = LO_TCP; slip = true; return *this; }
    Options& with_token(std::string t) { token = std::move(t); return *this; }
    Options& mute() { silent = true; return *this; }
    Options& with_decoy() { decoy = true; return *this; }
    Options& with_noise() { noise = true; return *this; }
  };
  using Arg = std::variant<int, float, std::string, bool>;

  explicit FakeClarad(Options options) : options_(std::move(options)) {
    settings_["temperature"] = {"f", {0.9f}};
    settings_["tempo"] = {"f", {120.0f}};
    settings_["top_k"] = {"i", {0}};
    settings_["meter"] = {"ii", {4, 4}};
    settings_["human_instrument"] = {"s", {std::string("piano")}};
    settings_["playing"] = {"T", {true}};
    thread_ = lo_server_thread_new_with_proto(nullptr, options_.proto, &FakeClarad::on_error);
    if (thread_ == nullptr) throw std::runtime_error("liblo: no server");
    server_ = lo_server_thread_get_server(thread_);
    lo_server_thread_add_method(thread_, nullptr, nullptr, &FakeClarad::on_message, this);
    lo_server_add_bundle_handlers(server_, &FakeClarad::on_bundle_start, &FakeClarad::on_bundle_end, this);
    if (options_.decoy) decoy_ = lo_server_new_with_proto(nullptr, LO_UDP, &FakeClarad::on_error);
    lo_server_thread_start(thread_);
  }
  ~FakeClarad() {
    lo_server_thread_stop(thread_);
    lo_server_thread_free(thread_);
    if (decoy_ != nullptr) lo_server_free(decoy_);
    for (auto* a : udp_subscribers_) lo_address_free(a);
  }
  FakeClarad(const FakeClarad&) = delete;
  FakeClarad& operator=(const FakeClarad&) = delete;

  std::uint16_t port() const { return static_cast<std::uint16_t>(lo_server_thread_get_port(thread_)); }

  std::vector<std::string> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::size_t count(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(received_.begin(), received_.end(),
                                                  [&](const std::string& r) { return r.rfind(prefix, 0) == 0; }));
  }
  // Waits until `count(prefix) >= n`, at most `limit`.
  bool wait_for(const std::string& prefix, std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      return static_cast<std::size_t>(std::count_if(received_.begin(), received_.end(), [&](const std::string& r) {
               return r.rfind(prefix, 0) == 0;
             })) >= n;
    });
  }
  std::size_t pushes() const {
    std::lock_guard lock(mutex_);
    return pushes_;
  }

 private:
  struct Setting {
    std::string types;
    std::vector<Arg> values;
  };

  static void on_error(int, const char* msg, const char* where) {
    std::fprintf(stderr, "fake clarad: liblo: %s (%s)\n", msg, where ? where : "");
  }
  static int on_bundle_start(lo_timetag, void* self) {
    auto* me = static_cast<FakeClarad*>(self);
    me->in_bundle_ = true;
    me->bundle_authed_ = false;
    return 0;
  }
  static int on_bundle_end(void* self) {
    static_cast<FakeClarad*>(self)->in_bundle_ = false;
    return 0;
  }
  static int on_message(const char* path, const char* types, lo_arg** argv, int argc, lo_message msg, void* self) {
    static_cast<FakeClarad*>(self)->handle(path, types, argv, argc, msg);
    return 0;
  }

  static std::string text_of(const char* path, const char* types, lo_arg** argv, int argc) {
    std::string s = std::string(path) + " " + types;
    for (int i = 0; i < argc; ++i) {
      char buf[64];
      switch (types[i]) {
        case 'i': std::snprintf(buf, sizeof buf, " %d", argv[i]->i); s += buf; break;
        case 'f': std::snprintf(buf, sizeof buf, " %g", static_cast<double>(argv[i]->f)); s += buf; break;
        case 'h': std::snprintf(buf, sizeof buf, " %lld", static_cast<long long>(argv[i]->h)); s += buf; break;
        case 'd': std::snprintf(buf, sizeof buf, " %g", argv[i]->d); s += buf; break;
        case 's': case 'S': s += " " + std::string(&argv[i]->s); break;
        case 'T': s += " true"; break;
        case 'F': s += " false"; break;
        case 'N': s += " nil"; break;
        default: s += " ?"; break;
      }
    }
    return s;
  }

  static void add(lo_message m, const Arg& a) {
    if (const auto* i = std::get_if<int>(&a)) lo_message_add_int32(m, *i);
    else if (const auto* f = std::get_if<float>(&a)) lo_message_add_float(m, *f);
    else if (const auto* s = std::get_if<std::string>(&a)) lo_message_add_string(m, s->c_str());
    else if (std::get<bool>(a)) lo_message_add_true(m);
    else lo_message_add_false(m);
  }

  void reply(lo_message request, const char* path, lo_message m) {
    lo_address to = lo_message_get_source(request);
    if (options_.slip) lo_address_set_stream_slip(to, 1);
    if (options_.decoy) {
      // Same address, same shape, wrong port: a connected client never sees it.
      lo_message fake = lo_message_new();
      lo_message_add_string(fake, "mode");
      lo_message_add_string(fake, "decoy");
      lo_send_message_from(to, decoy_, "/clara/status", fake);
      lo_send_message_from(to, decoy_, path, m);
      lo_message_free(fake);
    }
    if (options_.noise) {
      lo_message push = lo_message_new();
      lo_message_add_string(push, "tempo");
      lo_message_add_float(push, 1.0f);
      lo_send_message_from(to, server_, "/clara/value", push);
      lo_message_free(push);
      lo_message other = lo_message_new();
      lo_message_add_string(other, "/clara/other");
      lo_send_message_from(to, server_, "/clara/ok", other);
      lo_message_free(other);
    }
    lo_send_message_from(to, server_, path, m);
    lo_message_free(m);
  }
  void ok(lo_message request, const char* about) {
    lo_message m = lo_message_new();
    lo_message_add_string(m, about);
    reply(request, "/clara/ok", m);
  }
  void error(lo_message request, const char* about, const std::string& reason) {
    lo_message m = lo_message_new();
    lo_message_add_string(m, about);
    lo_message_add_string(m, reason.c_str());
    reply(request, "/clara/error", m);
  }
  void push_value(const std::string& key) {
    for (auto* a : udp_subscribers_) {
      lo_message m = lo_message_new();
      lo_message_add_string(m, key.c_str());
      for (const auto& v : settings_[key].values) add(m, v);
      lo_send_message_from(a, server_, "/clara/value", m);
      lo_message_free(m);
      std::lock_guard lock(mutex_);
      ++pushes_;
    }
  }

  void handle(const char* path_c, const char* types_c, lo_arg** argv, int argc, lo_message msg) {
    const std::string path = path_c, types = types_c;
    lo_address source = lo_message_get_source(msg);
    char* url_c = lo_address_get_url(source);
    const std::string url = url_c ? url_c : "";
    std::free(url_c);
    if (path == "/clara/auth") {
      const bool right = options_.token && types == "s" && *options_.token == &argv[0]->s;
      if (options_.proto == LO_UDP) {
        bundle_authed_ = in_bundle_ && right;
      } else if (right) {
        authed_connections_.push_back(url);
        ok(msg, "/clara/auth");
      }
      record("/clara/auth " + types);  // never the token itself
      return;
    }
    if (options_.token) {
      const bool authed = options_.proto == LO_UDP
                              ? in_bundle_ && bundle_authed_
                              : std::find(authed_connections_.begin(), authed_connections_.end(), url) !=
                                    authed_connections_.end();
      if (!authed) return;  // as clarad: no reply at all
    }
    record(text_of(path_c, types_c, argv, argc));
    if (options_.silent) return;

    if (path == "/clara/status") {
      lo_message m = lo_message_new();
      lo_message_add_string(m, "mode");
      lo_message_add_string(m, mode_.c_str());
      lo_message_add_string(m, "model");
      lo_message_add_string(m, model_.c_str());
      for (const auto& [key, setting] : settings_) {
        if (setting.values.size() != 1) continue;
        lo_message_add_string(m, key.c_str());
        add(m, setting.values[0]);
      }
      reply(msg, "/clara/status", m);
    } else if (path == "/clara/metrics") {
      lo_message m = lo_message_new();
      lo_message_add_string(m, "steps");
      lo_message_add_int32(m, 1234);
      lo_message_add_string(m, "step_ms_p99");
      lo_message_add_float(m, 2.5f);
      reply(msg, "/clara/metrics", m);
    } else if (path == "/clara/models") {
      lo_message m = lo_message_new();
      for (const char* s : {"chordwise-piano", "chordwise", "piano"}) lo_message_add_string(m, s);
      lo_message_add_float(m, 1.25f);
      for (const char* s : {"notewise-piano", "notewise", "piano"}) lo_message_add_string(m, s);
      lo_message_add_float(m, -1.0f);
      reply(msg, "/clara/models", m);
    } else if (path == "/clara/list") {
      lo_message m = lo_message_new();
      for (const auto& [key, setting] : settings_) {
        lo_message_add_string(m, ("/clara/" + key).c_str());
        lo_message_add_string(m, setting.types.c_str());
      }
      for (const char* a : {"/clara/panic", "/clara/start", "/clara/stop", "/clara/reset", "/clara/status"}) {
        lo_message_add_string(m, a);
        lo_message_add_string(m, "");
      }
      for (const char* a : {"/clara/model", "/clara/mode", "/clara/get"}) {
        lo_message_add_string(m, a);
        lo_message_add_string(m, "s");
      }
      reply(msg, "/clara/list", m);
    } else if (path == "/clara/get") {
      const std::string key = types == "s" ? &argv[0]->s : "";
      auto it = settings_.find(key);
      if (it == settings_.end()) return error(msg, "/clara/get", "unknown key '" + key + "'");
      lo_message m = lo_message_new();
      lo_message_add_string(m, key.c_str());
      for (const auto& v : it->second.values) add(m, v);
      reply(msg, "/clara/value", m);
    } else if (path == "/clara/subscribe") {
      if (options_.proto == LO_UDP) udp_subscribers_.push_back(lo_address_new_from_url(url.c_str()));
      ok(msg, "/clara/subscribe");
      push_value("tempo");
      push_value("meter");
    } else if (path == "/clara/unsubscribe") {
      for (auto* a : udp_subscribers_) lo_address_free(a);
      udp_subscribers_.clear();
      ok(msg, "/clara/unsubscribe");
    } else if (path == "/clara/panic" || path == "/clara/start" || path == "/clara/stop" || path == "/clara/reset") {
      ok(msg, path_c);
    } else if (path == "/clara/model") {
      const std::string name = types == "s" ? &argv[0]->s : "";
      if (name != "chordwise-piano" && name != "notewise-piano" && name != "broken-model")
        return error(msg, path_c, "no model '" + name + "'");
      // As clarad's hot swap: accepted now, the outcome in model_swap (here at once).
      ok(msg, path_c);
      if (name == "broken-model") {
        settings_["model_swap"] = {"s", {std::string("refused broken-model: weights.pt: sha256 mismatch")}};
      } else {
        model_ = name;
        settings_["model_swap"] = {"s", {"playing " + name}};
      }
    } else if (path == "/clara/mode") {
      mode_ = types == "s" ? &argv[0]->s : "";
      ok(msg, path_c);
    } else if (path.rfind("/clara/", 0) == 0 && settings_.count(path.substr(7))) {
      Setting& s = settings_[path.substr(7)];
      std::string expected = s.types;
      std::string given = types;
      std::replace(expected.begin(), expected.end(), 'F', 'T');
      std::replace(given.begin(), given.end(), 'F', 'T');
      if (given != expected) return error(msg, path_c, "takes " + s.types + ", not " + types);
      if (path == "/clara/temperature" && (argv[0]->f <= 0 || argv[0]->f > 5))
        return error(msg, path_c, "temperature must be in (0, 5]");
      for (int i = 0; i < argc; ++i) {
        switch (types[i]) {
          case 'i': s.values[i] = argv[i]->i; break;
          case 'f': s.values[i] = argv[i]->f; break;
          case 's': s.values[i] = std::string(&argv[i]->s); break;
          case 'T': s.values[i] = true; break;
          case 'F': s.values[i] = false; break;
          default: break;
        }
      }
      ok(msg, path_c);
      push_value(path.substr(7));
    } else {
      error(msg, path_c, "unknown address");
    }
  }

  void record(std::string text) {
    std::lock_guard lock(mutex_);
    received_.push_back(std::move(text));
    changed_.notify_all();
  }

  Options options_;
  lo_server_thread thread_ = nullptr;
  lo_server server_ = nullptr;
  lo_server decoy_ = nullptr;
  // Touched by the liblo thread only.
  std::map<std::string, Setting> settings_;
  std::string mode_ = "duet";
  std::string model_ = "chordwise-piano";
  bool in_bundle_ = false;
  bool bundle_authed_ = false;
  std::vector<std::string> authed_connections_;
  std::vector<lo_address> udp_subscribers_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> received_;
  std::size_t pushes_ = 0;
};

// A port nothing listens on (bound once by the kernel's choice, then closed).
inline std::uint16_t unused_port(int proto) {
  lo_server s = lo_server_new_with_proto(nullptr, proto, nullptr);
  const auto port = static_cast<std::uint16_t>(lo_server_get_port(s));
  lo_server_free(s);
  return port;
}

}  // namespace clara::ctl::test
