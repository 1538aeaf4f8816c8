#include "http/webhook.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <chrono>

namespace xn::http {
namespace beast = boost::beast;
namespace asio = boost::asio;

namespace {
constexpr auto kRound = std::chrono::seconds(1);
constexpr auto kTimeout = std::chrono::seconds(5);
constexpr int kBatch = 50;
}  // namespace

Result<std::unique_ptr<WebhookSender>> WebhookSender::Start(store::SupervisionStore& store,
                                                            const Clock& clock,
                                                            const std::string& url,
                                                            std::function<bool()> is_leader) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "cli.webhook_url",
                     "--webhook-url takes http://HOST[:PORT]/PATH (for https, a local relay)");
  }
  std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  return std::unique_ptr<WebhookSender>(new WebhookSender(store, clock, std::string(parsed->host()),
                                                          port, target, std::move(is_leader)));
}

WebhookSender::WebhookSender(store::SupervisionStore& store, const Clock& clock, std::string host,
                             std::string port, std::string target,
                             std::function<bool()> is_leader)
    : store_(store), clock_(clock), host_(std::move(host)), port_(std::move(port)),
      target_(std::move(target)), is_leader_(std::move(is_leader)) {
  thread_ = std::thread([this] { Run(); });
}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookSender::Post(const std::string& body) {
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(kTimeout);
    stream.connect(resolver.resolve(host_, port_));
    beast::http::request<beast::http::string_body> req{beast::http::verb::post, target_, 11};
    req.set(beast::http::field::host, host_);
    req.set(beast::http::field::content_type, "application/json; charset=utf-8");
    req.set(beast::http::field::user_agent, "xiaoneng-webhook");
    req.body() = body;
    req.prepare_payload();
    stream.expires_after(kTimeout);
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    stream.expires_after(kTimeout);
    beast::http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    const unsigned status = res.result_int();
    if (status >= 200 && status < 300) return "";
    return "HTTP " + std::to_string(status);
  } catch (const std::exception& e) {
    return e.what();
  }
}

void WebhookSender::Run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, kRound, [this] { return stopping_; })) return;
    }
    if (is_leader_ && !is_leader_()) continue;
    auto pending = store_.PendingWebhooks(kBatch);
    if (!pending.ok()) continue;
    for (const auto& out : *pending) {
      const std::string error = Post(out.payload);
      (void)store_.MarkWebhook(out.id, error.empty(), error, clock_.Now());
      if (!error.empty()) break;  // in order: the rest wait for the next round
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
  }
}

}  // namespace xn::http
