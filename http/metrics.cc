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

void Metrics::Observe(std::string_view route, std::string_view method, unsigned status,
                      double seconds) {
  // Each thread keeps its own map from (route, method, status) to the metric objects, so the
  // hot path takes no lock; the shared map is consulted once per new combination per thread.
  thread_local std::unordered_map<std::string, std::pair<prometheus::Counter*, prometheus::Histogram*>>
      local;
  thread_local const Metrics* local_owner = nullptr;
  if (local_owner != this) {
    local.clear();
    local_owner = this;
  }
  std::string key;
  key.reserve(route.size() + method.size() + 6);
  key.append(route).append(1, '\n').append(method).append(1, '\n').append(std::to_string(status));
  std::pair<prometheus::Counter*, prometheus::Histogram*> m;
  if (auto hit = local.find(key); hit != local.end()) {
    m = hit->second;
  } else {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      static const prometheus::Histogram::BucketBoundaries kBuckets = {
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
      auto* c = &requests_->Add({{"route", std::string(route)},
                                 {"method", std::string(method)},
                                 {"status", std::to_string(status)}});
      auto* h = &latency_->Add({{"route", std::string(route)}, {"method", std::string(method)}},
                               kBuckets);
      it = cache_.emplace(key, std::make_pair(c, h)).first;
    }
    m = it->second;
    local.emplace(key, m);
  }
  m.first->Increment();
  m.second->Observe(seconds);
}

std::string Metrics::Text() const {
  prometheus::TextSerializer s;
  return s.Serialize(registry_->Collect());
}

}  // namespace xn::http
