// The HTTP server: Boost.Beast over Asio, HTTP/1.1 with keep-alive.
//
// Each connection reads one request at a time with a body limit and timeouts, hands it to the
// Router (API), the static web app (with the index.html fallback for the app's routes) or the
// built-in endpoints, and writes the answer. Handlers run on the I/O threads; the thread count
// is sized so that a handler waiting for a durable commit does not stall the others.
//
// Thread-safety: Run() blocks until Stop() is called from any thread (or a signal).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/router.h"

namespace xn::http {

class Metrics;

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;             // 0 picks a free port
  int threads = 16;                 // workers for requests that may block (writes, logins)
  int io_threads = 0;               // I/O threads; 0: one per core
  size_t body_limit = 1 << 20;      // bytes
  size_t upload_limit = 20 << 20;   // bytes, for material uploads (POST /api/v1/materials)
  std::chrono::seconds read_timeout{30};
  std::string web_root;             // directory of the built web app ("" for none)
  bool secure_cookies = false;      // add "Secure" to the session cookie (behind TLS)
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();

  // Binds and listens. Returns the port actually bound. Errors: kUnavailable "http.bind".
  Result<uint16_t> Listen();
  // Serves until Stop(). REQUIRES: Listen() succeeded.
  void Run();
  void Stop();

  struct Impl;  // public so the connection code can reach it; defined in server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xn::http
