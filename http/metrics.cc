#include "http/metrics.h"

#include <prometheus/text_serializer.h>

namespace xn::http {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("xiaoneng_http_requests_total")
                   .Help("HTTP requests answered, by route, method and status")
                   .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("xiaoneng_http_request_duration_seconds")
                  .Help("Time to answer an HTTP request, by route")
                  .Register(*registry_);
}

void Metrics::Observe(const std::string& route, const std::string& method, unsigned status,
                      double seconds) {
  std::string key = route + '\n' + method + '\n' + std::to_string(status);
  std::pair<prometheus::Counter*, prometheus::Histogram*> m;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      static const prometheus::Histogram::BucketBoundaries kBuckets = {
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
      auto* c = &requests_->Add(
          {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
      auto* h = &latency_->Add({{"route", route}, {"method", method}}, kBuckets);
      it = cache_.emplace(key, std::make_pair(c, h)).first;
    }
    m = it->second;
  }
  m.first->Increment();
  m.second->Observe(seconds);
}

std::string Metrics::Text() const {
  prometheus::TextSerializer s;
  return s.Serialize(registry_->Collect());
}

}  // namespace xn::http
