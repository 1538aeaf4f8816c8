// WebhookSender: offers every notification in the outbox (store::SupervisionStore) to a webhook,
// one JSON POST each, in order, until the receiver answers 2xx; an SMS gateway can consume it
// (docs/supervision.md). A failed delivery is retried at the next round (every second), so a
// notification, once committed, reaches the receiver even across restarts. Only the leading
// process sends. Plain http:// receivers only (TLS to the gateway: a local relay).
//
// Thread-safety: owns one thread; construct and destroy from one thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "domain/common/clock.h"
#include "domain/common/result.h"
#include "store/supervision/supervision_store.h"

namespace xn::http {

class WebhookSender {
 public:
  // Errors: kInvalidArgument "cli.webhook_url" for a URL that is not http://HOST[:PORT]/PATH.
  static Result<std::unique_ptr<WebhookSender>> Start(store::SupervisionStore& store,
                                                      const Clock& clock, const std::string& url,
                                                      std::function<bool()> is_leader);
  ~WebhookSender();

 private:
  WebhookSender(store::SupervisionStore& store, const Clock& clock, std::string host,
                std::string port, std::string target, std::function<bool()> is_leader);
  void Run();
  // Posts BODY; returns "" on a 2xx answer, else what went wrong.
  std::string Post(const std::string& body);

  store::SupervisionStore& store_;
  const Clock& clock_;
  std::string host_, port_, target_;
  std::function<bool()> is_leader_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace xn::http
