// Prometheus metrics of the server (prometheus-cpp), served at GET /metrics in the text format.
// Thread-safety: thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace xn::http {

class Metrics {
 public:
  Metrics();
  // Records one answered request.
  void Observe(std::string_view route, std::string_view method, unsigned status, double seconds);
  // The exposition text.
  std::string Text() const;
  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
  std::mutex mu_;
  std::unordered_map<std::string, std::pair<prometheus::Counter*, prometheus::Histogram*>> cache_;
};

}  // namespace xn::http
