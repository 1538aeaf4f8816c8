#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "http/metrics.h"
#include "http/problem.h"

namespace xn::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

std::string_view MimeOf(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".woff") return "font/woff";
  if (ext == ".ttf") return "font/ttf";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// The route that takes raw file bodies (material uploads) rather than JSON.
bool IsUploadTarget(std::string_view target) {
  constexpr std::string_view kUpload = "/api/v1/materials";
  return target.substr(0, kUpload.size()) == kUpload &&
         (target.size() == kUpload.size() || target[kUpload.size()] == '?');
}

// "application/json", in any letter case, optionally followed by parameters ("; charset=utf-8").
bool IsJsonMediaType(std::string_view ct) {
  constexpr std::string_view kJson = "application/json";
  size_t end = ct.find(';');
  std::string_view type = ct.substr(0, end);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  if (type.size() != kJson.size()) return false;
  for (size_t i = 0; i < type.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(type[i])) != kJson[i]) return false;
  }
  return true;
}

bool ReadFile(const std::filesystem::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// The web app's files. A path with a file answers it; any other non-API GET answers index.html,
// so the app's own routes (/org/regions...) load the app, which then routes in the browser.
Response ServeStatic(const std::string& root, const std::string& path) {
  namespace fs = std::filesystem;
  if (root.empty()) {
    return Problem(MakeError(ErrorCode::kNotFound, "web.not_built",
                             "Web 应用未构建（缺少 web/dist），请先运行 scripts/build.sh"));
  }
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos) {
    return Problem(MakeError(ErrorCode::kNotFound, "not_found", "文件不存在"));
  }
  fs::path file = fs::path(root) / path.substr(1);
  std::error_code ec;
  Response r;
  if (path != "/" && fs::is_regular_file(file, ec) && ReadFile(file, &r.body)) {
    r.content_type = std::string(MimeOf(file.string()));
    if (path.rfind("/assets/", 0) == 0) {
      r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
    }
    return r;
  }
  if (path.rfind("/assets/", 0) == 0) {
    return Problem(MakeError(ErrorCode::kNotFound, "not_found", "文件不存在"));
  }
  if (!ReadFile(fs::path(root) / "index.html", &r.body)) {
    return Problem(MakeError(ErrorCode::kNotFound, "web.not_built",
                             "Web 应用未构建（缺少 web/dist/index.html）"));
  }
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace

// I/O runs on one single-threaded io_context per core (no locks on the hot path); connections
// are spread over them round-robin. A request that may block (anything but GET and HEAD: a write
// waits for its durable commit, a login for argon2id) runs on the worker pool, and its answer is
// written back on the connection's own context.
struct Server::Impl {
  ServerOptions options;
  const Router& router;
  Metrics& metrics;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  size_t next_context = 0;

  static int IoThreads(int configured) {
    if (configured > 0) return configured;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }

  Impl(ServerOptions o, const Router& r, Metrics& m)
      : options(std::move(o)),
        router(r),
        metrics(m),
        contexts(MakeContexts(IoThreads(options.io_threads))),
        workers(static_cast<size_t>(std::max(1, options.threads))),
        acceptor(*contexts[0]) {
    for (auto& c : contexts) guards.push_back(asio::make_work_guard(*c));
  }

  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (int i = 0; i < n; ++i) v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }

  asio::io_context& NextContext() {
    asio::io_context& c = *contexts[next_context];
    next_context = (next_context + 1) % contexts.size();
    return c;
  }

  Response Handle(const RawRequest& raw, const std::string& remote, std::string* label) {
    Request req;
    req.raw = &raw;
    req.method = raw.method();
    req.remote = remote;
    std::string_view target = raw.target();
    if (target.find_first_of("?%") == std::string_view::npos && !target.empty() &&
        target.front() == '/') {
      req.path = target;  // the common case: nothing to decode
    } else {
      auto url = boost::urls::parse_origin_form(target);
      if (!url) {
        *label = "bad_request";
        return Problem(
            MakeError(ErrorCode::kInvalidArgument, "request.bad_target", "请求地址无效"));
      }
      req.path = url->path();
      for (auto p : url->params()) req.query[p.key] = p.value;
    }

    if (req.path.rfind("/api/", 0) == 0) {
      if (!raw.body().empty() && !IsUploadTarget(raw.target()) &&
          !IsJsonMediaType(raw[beast::http::field::content_type])) {
        *label = "unsupported_media_type";
        return Problem(MakeError(ErrorCode::kUnsupportedMediaType,
                                 "request.unsupported_media_type", "请求体须为 application/json"));
      }
      auto r = router.Dispatch(req, label);
      if (r) return std::move(*r);
      *label = "not_found";
      return Problem(MakeError(ErrorCode::kNotFound, "request.no_route", "没有这个接口"));
    }
    if (req.method != beast::http::verb::get && req.method != beast::http::verb::head) {
      auto r = router.Dispatch(req, label);  // /healthz, /metrics are routes too
      if (r) return std::move(*r);
      *label = "method_not_allowed";
      Response p = Problem(MakeError(ErrorCode::kMethodNotAllowed, "request.method_not_allowed",
                                     "此路径不支持该请求方法"));
      p.headers.emplace_back("Allow", "GET, HEAD");
      return p;
    }
    if (auto r = router.Dispatch(req, label)) return std::move(*r);
    *label = "static";
    return ServeStatic(options.web_root, req.path);
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& impl) : stream_(std::move(socket)), impl_(impl) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  // The header is read first, so that the body limit can follow the route: material uploads
  // take up to upload_limit, every other request body_limit.
  void Read() {
    parser_.emplace();
    parser_->body_limit(impl_.options.body_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(impl_.options.read_timeout);
    beast::http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t n) {
    if (ec) return OnRead(ec, n);
    const auto& h = parser_->get();
    if (h.method() == beast::http::verb::post && IsUploadTarget(h.target())) {
      parser_->body_limit(impl_.options.upload_limit);
    }
    beast::http::async_read(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == beast::http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec == beast::http::error::body_limit) {
      Response r = Problem(MakeError(ErrorCode::kPayloadTooLarge, "request.too_large",
                                     "请求体超过 " +
                                         std::to_string(parser_->get().method() ==
                                                                    beast::http::verb::post &&
                                                                IsUploadTarget(parser_->get().target())
                                                            ? impl_.options.upload_limit
                                                            : impl_.options.body_limit) +
                                         " 字节"));
      drain_ = true;
      return Write(std::move(r), false, beast::http::verb::post, 11, "too_large",
                   std::chrono::steady_clock::now());
    }
    if (ec) {
      if (std::string_view(ec.category().name()) == "beast.http") {
        Response r = Problem(MakeError(ErrorCode::kInvalidArgument, "request.malformed_http",
                                       "HTTP 请求格式错误：" + ec.message()));
        return Write(std::move(r), false, beast::http::verb::get, 11, "bad_request",
                     std::chrono::steady_clock::now());
      }
      return Close();
    }
    auto started = std::chrono::steady_clock::now();
    auto req = std::make_shared<RawRequest>(parser_->release());
    if (req->method() == beast::http::verb::get || req->method() == beast::http::verb::head) {
      return HandleAndWrite(req, started);
    }
    asio::post(impl_.workers, [self = shared_from_this(), req, started] {
      std::string label;
      Response r = self->Handle(*req, &label);
      asio::post(self->stream_.get_executor(),
                 [self, req, started, r = std::move(r), label = std::move(label)]() mutable {
                   self->Write(std::move(r), req->keep_alive(), req->method(), req->version(),
                               label, started);
                 });
    });
  }

  void HandleAndWrite(const std::shared_ptr<RawRequest>& req,
                      std::chrono::steady_clock::time_point started) {
    std::string label;
    Response r = Handle(*req, &label);
    Write(std::move(r), req->keep_alive(), req->method(), req->version(), label, started);
  }

  Response Handle(const RawRequest& req, std::string* label) {
    try {
      return impl_.Handle(req, remote_, label);
    } catch (const std::exception& e) {
      spdlog::error("unhandled error on {} {}: {}", std::string(req.method_string()),
                    std::string(req.target()), e.what());
      return Problem(MakeError(ErrorCode::kInternal, "internal", "服务器内部错误"));
    }
  }

  void Write(Response r, bool keep_alive, beast::http::verb method, unsigned version,
             const std::string& label, std::chrono::steady_clock::time_point started) {
    // The response is serialised by hand into one buffer: one write system call, and none of
    // the generic serializer's buffer sequences on the hot path.
    const bool head = method == beast::http::verb::head;
    auto out = std::make_shared<std::string>();
    out->reserve(160 + r.body.size());
    *out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    *out += std::to_string(r.status);
    *out += ' ';
    *out += beast::http::obsolete_reason(static_cast<beast::http::status>(r.status));
    *out += "\r\nServer: xiaoneng\r\nContent-Type: ";
    *out += r.content_type;
    *out += "\r\nX-Content-Type-Options: nosniff\r\n";
    for (auto& [k, v] : r.headers) {
      *out += k;
      *out += ": ";
      *out += v;
      *out += "\r\n";
    }
    if (r.status != 204) {
      *out += "Content-Length: ";
      *out += std::to_string(r.body.size());
      *out += "\r\n";
    }
    if (!keep_alive) {
      *out += "Connection: close\r\n";
    } else if (version == 10) {
      *out += "Connection: keep-alive\r\n";
    }
    *out += "\r\n";
    if (!head && r.status != 204) *out += r.body;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    impl_.metrics.Observe(label.empty() ? std::string_view("unmatched") : std::string_view(label),
                          beast::http::to_string(method), r.status, secs);
    asio::async_write(stream_, asio::buffer(*out),
                      [self = shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (drain_) Drain(0);
  }

  // After refusing an oversized body, reads and discards what the client is still sending (up
  // to a bound, for a few seconds) before the socket closes: closing with unread data would
  // reset the connection, and the client might never see the 413.
  void Drain(size_t total) {
    constexpr size_t kMaxDrain = 64 << 20;
    if (total > kMaxDrain) return;
    if (total == 0) stream_.expires_after(std::chrono::seconds(5));
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this(), total](beast::error_code ec, size_t n) {
                              if (!ec) self->Drain(total + n);
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  Server::Impl& impl_;
  std::string remote_;
  bool drain_ = false;
  std::vector<char> drain_buffer_;
};

void Accept(Server::Impl& impl) {
  impl.acceptor.async_accept(impl.NextContext(),
                             [&impl](beast::error_code ec, tcp::socket socket) {
                               if (ec == asio::error::operation_aborted) return;
                               if (!ec) {
                                 socket.set_option(tcp::no_delay(true), ec);
                                 std::make_shared<Session>(std::move(socket), impl)->Start();
                               }
                               Accept(impl);
                             });
}

}  // namespace

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() {
  Stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

Result<uint16_t> Server::Listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.bind, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument, "http.bind", "无效的监听地址：" +
                                                                    impl_->options.bind);
  }
  tcp::endpoint ep{address, impl_->options.port};
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable, "http.bind",
                     "cannot listen on " + impl_->options.bind + ":" +
                         std::to_string(impl_->options.port) + ": " + ec.message());
  }
  return a.local_endpoint().port();
}

void Server::Run() {
  Accept(*impl_);
  for (size_t i = 1; i < impl_->contexts.size(); ++i) {
    impl_->threads.emplace_back([this, i] { impl_->contexts[i]->run(); });
  }
  impl_->contexts[0]->run();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

void Server::Stop() {
  asio::post(*impl_->contexts[0], [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  for (auto& c : impl_->contexts) c->stop();
}

}  // namespace xn::http
