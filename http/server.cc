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

struct Server::Impl {
  ServerOptions options;
  const Router& router;
  Metrics& metrics;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;

  Impl(ServerOptions o, const Router& r, Metrics& m)
      : options(std::move(o)), router(r), metrics(m), ioc(options.threads) {}

  Response Handle(const RawRequest& raw, const std::string& remote, std::string* label) {
    Request req;
    req.raw = &raw;
    req.method = raw.method();
    req.remote = remote;
    auto url = boost::urls::parse_origin_form(raw.target());
    if (!url) {
      *label = "bad_request";
      return Problem(MakeError(ErrorCode::kInvalidArgument, "request.bad_target", "请求地址无效"));
    }
    req.path = url->path();
    for (auto p : url->params()) req.query[p.key] = p.value;

    if (req.path.rfind("/api/", 0) == 0) {
      if (!raw.body().empty()) {
        std::string_view ct = raw[beast::http::field::content_type];
        if (ct.substr(0, 16) != "application/json") {
          *label = "unsupported_media_type";
          Response r = Problem(MakeError(ErrorCode::kInvalidArgument,
                                         "request.unsupported_media_type",
                                         "请求体须为 application/json"));
          r.status = 415;
          return r;
        }
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
      Response p = Problem(MakeError(ErrorCode::kInvalidArgument, "request.method_not_allowed",
                                     "此路径不支持该请求方法"));
      p.status = 405;
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
  void Read() {
    parser_.emplace();
    parser_->body_limit(impl_.options.body_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(impl_.options.read_timeout);
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
                                         std::to_string(impl_.options.body_limit) + " 字节"));
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
    RawRequest req = parser_->release();
    std::string label;
    Response r;
    try {
      r = impl_.Handle(req, remote_, &label);
    } catch (const std::exception& e) {
      spdlog::error("unhandled error on {} {}: {}", std::string(req.method_string()),
                    std::string(req.target()), e.what());
      r = Problem(MakeError(ErrorCode::kInternal, "internal", "服务器内部错误"));
    }
    Write(std::move(r), req.keep_alive(), req.method(), req.version(), label, started);
  }

  void Write(Response r, bool keep_alive, beast::http::verb method, unsigned version,
             const std::string& label, std::chrono::steady_clock::time_point started) {
    auto res = std::make_shared<beast::http::response<beast::http::string_body>>(
        static_cast<beast::http::status>(r.status), version);
    res->set(beast::http::field::server, "xiaoneng");
    res->set(beast::http::field::content_type, r.content_type);
    res->set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : r.headers) res->insert(k, v);
    bool head = method == beast::http::verb::head;
    size_t size = r.body.size();
    if (!head) res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (head) res->content_length(size);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    impl_.metrics.Observe(label.empty() ? "unmatched" : label,
                          std::string(beast::http::to_string(method)), r.status, secs);
    beast::http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
          if (ec || !keep_alive) return self->Close();
          self->Read();
        });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  Server::Impl& impl_;
  std::string remote_;
};

void Accept(Server::Impl& impl) {
  impl.acceptor.async_accept(asio::make_strand(impl.ioc),
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
  int n = std::max(1, impl_->options.threads);
  for (int i = 1; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

void Server::Stop() {
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->ioc.stop();
}

}  // namespace xn::http
