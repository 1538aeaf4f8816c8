// GET /healthz, GET /metrics, GET /api/v1/openapi.json, POST /api/v1/clock/advance (fake clock).
#include "http/api.h"
#include "http/json_body.h"
#include "http/metrics.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

void RegisterSystemRoutes(Router& router, ApiContext& ctx) {
  // `leader`: whether this process runs the work that must run once among the processes sharing
  // the database (the supervision engine's timers); see docs/deploy.md.
  router.Add(verb::get, "/healthz", Access::kPublic, "",
             {.summary = "存活检查（含本进程是否为主节点）", .tag = "system",
              .response_schema =
                  R"({"type":"object","properties":{"status":{"type":"string"},)"
                  R"("leader":{"type":"boolean"}}})"},
             [&ctx](Request&) {
               const bool leader = ctx.leadership != nullptr && ctx.leadership->is_leader();
               return JsonResponse(200, leader ? R"({"status":"ok","leader":true})"
                                               : R"({"status":"ok","leader":false})");
             });

  router.Add(verb::get, "/metrics", Access::kPublic, "",
             {.summary = "Prometheus 指标（文本格式）", .tag = "system",
              .response_schema = R"({"type":"string"})",
              .response_content_type = "text/plain"},
             [&ctx](Request&) {
               Response r;
               r.content_type = "text/plain; version=0.0.4; charset=utf-8";
               r.body = ctx.metrics.Text();
               return r;
             });

  router.Add(verb::get, "/api/v1/openapi.json", Access::kPublic, "",
             {.summary = "本 API 的 OpenAPI 3.1 描述", .tag = "system",
              .response_schema = R"({"type":"object"})"},
             [&router, &ctx](Request&) {
               return JsonResponse(200, router.OpenApiDocument(ctx.version));
             });

  if (ctx.fake_clock != nullptr) {
    // Exists only under `serve --fake-clock`: tests and presenters move time forward.
    router.Add(
        verb::post, "/api/v1/clock/advance", Access::kPublic, "",
        {.summary = "（仅模拟时钟模式）将服务器时钟向前拨动",
         .tag = "system",
         .request_schema =
             R"({"type":"object","additionalProperties":false,"properties":{"hours":{"type":"integer","minimum":0},"minutes":{"type":"integer","minimum":0}}})",
         .response_schema =
             R"({"type":"object","properties":{"now":{"type":"string"},"now_ms":{"type":"integer"}}})"},
        [&ctx](Request& req) {
          BodyReader r(req.body());
          auto hours = r.Int("hours", false, 0, 24 * 366 * 5);
          auto minutes = r.Int("minutes", false, 0, 60 * 24 * 366);
          if (Status s = r.Done(); !s.ok()) return Problem(s.error());
          if (!hours && !minutes) {
            return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.required",
                                     "须给出 hours 或 minutes", "hours"));
          }
          ctx.fake_clock->Advance(std::chrono::hours(hours.value_or(0)) +
                                  std::chrono::minutes(minutes.value_or(0)));
          Instant now = ctx.fake_clock->Now();
          if (ctx.engine != nullptr) ctx.engine->Nudge();  // what fell due is raised at once
          return JsonOk(json::object{{"now", IsoLocal(now)}, {"now_ms", ToUnixMillis(now)}});
        });
    router.Add(verb::get, "/api/v1/clock", Access::kPublic, "",
               {.summary = "（仅模拟时钟模式）当前服务器时间", .tag = "system",
                .response_schema =
                    R"({"type":"object","properties":{"now":{"type":"string"},"now_ms":{"type":"integer"}}})"},
               [&ctx](Request&) {
                 Instant now = ctx.clock.Now();
                 return JsonOk(
                     json::object{{"now", IsoLocal(now)}, {"now_ms", ToUnixMillis(now)}});
               });
  }
}

}  // namespace xn::http
