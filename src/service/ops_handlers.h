// Internal: the operations endpoints, for load balancers, orchestrators and Prometheus:
//   GET /healthz  200 while the process answers at all
//   GET /readyz   200 when a model is loaded and the database answers, else 503 with the reasons
//   GET /metrics  the Prometheus text format: runs by kind and status, rows scored, rejected and
//                 positive, the last successful run's time, the last run's duration, the model
//                 version (an info metric), HTTP requests by route and code, request latency
// These never need a token: they show counts and states, no client data.
#pragma once

#include "service/http_message.h"
#include "service/service_context.h"

namespace bankscore::service {

HttpResponse HandleHealthz(ServiceContext& ctx, const HttpRequest& request);
HttpResponse HandleReadyz(ServiceContext& ctx, const HttpRequest& request);
HttpResponse HandleMetrics(ServiceContext& ctx, const HttpRequest& request);

}  // namespace bankscore::service
