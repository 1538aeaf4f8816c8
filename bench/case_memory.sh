#!/usr/bin/env bash
# Memory per open case: xiaoneng with XN_CASES (1,000,000) open cases in its database, beside
# bpmn-engine holding waiting instances in memory (bench/cases_peer/memory.mjs, XN_PEER_N = 2000).
#
# xiaoneng keeps cases in SQLite and reads them on demand; nothing is preloaded at start. So:
#   1. serve --demo on a fresh database; create and accept one case of 350582-SCJG-001 over HTTP
#      (the template: state in_progress, step "review" waiting for the handler); warm up with the
#      same requests as step 4; read VmRSS from /proc/PID/status: "before".
#   2. stop the server; copy the template row XN_CASES times with one INSERT ... SELECT from a
#      recursive CTE (new id and case_no, in the columns and in the body); the database's growth
#      divided by XN_CASES is the bytes per open case on disk (table, indexes; WAL checkpointed).
#   3. serve the same file again; VmRSS once listening.
#   4. as handler.scjg: GET /api/v1/cases/{id} for 1000 ids spread over the million, then
#      GET /api/v1/cases?open=true, then GET /api/v1/cases/inbox (the handler's inbox: the first
#      page of the department's open cases they can act on); VmRSS after each, and VmHWM (peak).
# Prints RSS growth per open case (steady and peak) against the target (issue 3: under 1 KB
# resident per open case) beside the peer's RSS and heap per waiting instance.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${XN_BIN:-build/xiaoneng}
cases=${XN_CASES:-1000000}
peer_n=${XN_PEER_N:-2000}
pass=Xiaoneng@2026demo
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: apt-get install sqlite3" >&2; exit 1; }
[[ -d bench/cases_peer/node_modules ]] || (cd bench/cases_peer && npm ci --no-audit --no-fund >/dev/null)

dir=$(mktemp -d)
cleanup() { kill "${srv:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

serve() {  # extra serve args...
  : >"$dir/server.log"
  "$bin" serve --db "$dir/bench.db" --port 0 "$@" >"$dir/server.log" 2>&1 &
  srv=$!
  for _ in $(seq 600); do grep -q "listening on" "$dir/server.log" && break; sleep 0.1; done
  url=$(grep -oE "http://[0-9.]+:[0-9]+" "$dir/server.log" | tail -1)
  [[ -n $url ]] || { echo "server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
}
stop() { kill "$srv"; wait "$srv" 2>/dev/null || true; srv=; }
rss_kb() { awk -v k="${1:-VmRSS}:" '$1==k {print $2}' "/proc/$srv/status"; }
login() {
  curl -sf -X POST "$url/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$pass\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'
}
get() {  # token path: prints "status seconds bytes"
  curl -s -o /dev/null --max-time 900 -w '%{http_code} %{time_total}s %{size_download}B' \
    -H "Authorization: Bearer $1" "$url$2" || echo "failed"
}
sample_gets() {  # token ids...: GET each case on one connection; prints the non-200 count
  local tok=$1; shift
  local args=()
  for id in "$@"; do args+=(-o /dev/null "$url/api/v1/cases/$id"); done
  curl -s -w '%{http_code}\n' -H "Authorization: Bearer $tok" "${args[@]}" |
    grep -vc '^200$' || true
}
db_bytes() { sqlite3 "$dir/bench.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null; stat -c %s "$dir/bench.db"; }

# 1. the template case and the baseline.
serve --demo
applicant=$(login applicant); clerk=$(login clerk.scjg); handler=$(login handler.scjg)
template=$(curl -sf -X POST "$url/api/v1/cases" -H "Authorization: Bearer $applicant" \
  -H 'content-type: application/json' \
  -d '{"matter_code":"350582-SCJG-001","applicant_kind":"enterprise","applicant_code":"91350582MA2XYK123U","applicant_name":"某公司"}' |
  sed -E 's/^\{"id":([0-9]+).*/\1/')
curl -sf -o /dev/null -X POST "$url/api/v1/cases/$template/actions" \
  -H "Authorization: Bearer $clerk" -H 'content-type: application/json' -d '{"action":"accept"}'
mapfile -t demo_ids < <(sqlite3 "$dir/bench.db" "SELECT id FROM cases WHERE department_id =
  (SELECT department_id FROM cases WHERE id = $template)")
for _ in 1 2 3; do
  bad=$(sample_gets "$handler" "${demo_ids[@]}")
  get "$handler" "/api/v1/cases?open=true" >/dev/null
done
[[ $bad == 0 ]] || { echo "warm-up: $bad case reads were not 200" >&2; exit 1; }
rss_reads_before=$(rss_kb)
for _ in 1 2 3; do get "$handler" /api/v1/cases/inbox >/dev/null; done
rss_before=$(rss_kb)
stop
open_before=$(sqlite3 "$dir/bench.db" "SELECT COUNT(*) FROM cases WHERE state NOT IN
  ('delivered', 'declined', 'withdrawn', 'revoked')")
bytes_before=$(db_bytes)

# 2. a million copies of the accepted case.
t0=$(date +%s)
sqlite3 "$dir/bench.db" <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $cases),
  base(top) AS (SELECT MAX(id) FROM cases)
INSERT INTO cases(id, case_no, query_code, matter_version_id, department_id, state,
  applicant_code, applicant_user_id, agent_user_id, submitted_at_ms, statutory_deadline_ms,
  promised_deadline_ms, body, version, pending_roles, pending_departments)
SELECT top + i, t.case_no || printf('-%07d', i), t.query_code, t.matter_version_id,
  t.department_id, t.state, t.applicant_code, t.applicant_user_id, t.agent_user_id,
  t.submitted_at_ms, t.statutory_deadline_ms, t.promised_deadline_ms,
  json_set(t.body, '$.id', top + i, '$.case_no', t.case_no || printf('-%07d', i)), t.version,
  t.pending_roles, t.pending_departments
FROM n, base, cases AS t WHERE t.id = $template;
COMMIT;
SQL
bytes_after=$(db_bytes)
open_after=$(sqlite3 "$dir/bench.db" "SELECT COUNT(*) FROM cases WHERE state NOT IN
  ('delivered', 'declined', 'withdrawn', 'revoked')")
echo "generated $((open_after - open_before)) open cases in $(( $(date +%s) - t0 )) s;" \
  "database $((bytes_before / 1048576)) MB -> $((bytes_after / 1048576)) MB"

# 3 and 4. serve them.
serve
rss_start=$(rss_kb)
handler=$(login handler.scjg)
max_id=$(sqlite3 "$dir/bench.db" "SELECT MAX(id) FROM cases")
mapfile -t ids < <(seq "$template" $(( (max_id - template) / 1000 )) "$max_id" | head -1000)
bad=$(sample_gets "$handler" "${ids[@]}")
rss_sample=$(rss_kb)
list=$(get "$handler" "/api/v1/cases?open=true")
rss_list=$(rss_kb)
inbox=$(get "$handler" /api/v1/cases/inbox)
rss_inbox=$(rss_kb); hwm=$(rss_kb VmHWM)
stop

per() { echo "scale=1; ($1 - $2) * 1024 / $cases" | bc -l; }
echo "xiaoneng, $open_after open cases ($cases generated); VmRSS, and its growth per generated" \
  "case over the demo database ($open_before open cases) after the same requests:"
printf "  %-58s %9s KB\n" "demo: after case reads and list" "$rss_reads_before" \
  "demo: after those and the inbox" "$rss_before"
printf "  %-58s %9s KB  %7s B/open case\n" \
  "listening on $cases open cases" "$rss_start" "$(per "$rss_start" "$rss_reads_before")" \
  "after GET /api/v1/cases/{id} x${#ids[@]} ($bad not 200)" "$rss_sample" \
  "$(per "$rss_sample" "$rss_reads_before")" \
  "after GET /api/v1/cases?open=true ($list)" "$rss_list" "$(per "$rss_list" "$rss_reads_before")" \
  "after GET /api/v1/cases/inbox ($inbox)" "$rss_inbox" "$(per "$rss_inbox" "$rss_before")" \
  "peak (VmHWM)" "$hwm" "$(per "$hwm" "$rss_before")"
printf "  %-58s %9s B/open case\n" "database on disk (table and indexes)" \
  "$(( (bytes_after - bytes_before) / cases ))"

peer=$(cd bench/cases_peer && node --expose-gc memory.mjs "$peer_n")
grep -v '^rss_per_instance' <<<"$peer"
peer_rss=$(awk '/^rss_per_instance/ {print $2}' <<<"$peer")
peer_heap=$(awk '/^rss_per_instance/ {print $4}' <<<"$peer")
peer_ser=$(awk '/^rss_per_instance/ {print $6}' <<<"$peer")
printf "%-52s %12s %12s B per open case (target < 1024 resident)\n" "" "steady" "peak"
printf "%-52s %12s %12s\n" "xiaoneng RSS growth: reads and list / inbox peak" \
  "$(per "$rss_list" "$rss_reads_before")" "$(per "$hwm" "$rss_before")"
printf "%-52s %12s %12s B per waiting instance (heap %s, serialized %s)\n" \
  "peer: bpmn-engine RSS growth" "$peer_rss" "" "$peer_heap" "$peer_ser"
