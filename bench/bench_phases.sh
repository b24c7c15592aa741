# The phases of one benchmark run, sourced by scripts/bench (which defines log, fail, nap,
# now_us, cpu_ticks, status_kib, secs, kv, free_port, wait_for, http_ok, PIDS, BIN, RUN, HZ
# and the BENCH_* settings). Each phase appends its key=value results to the run's R array.
# shellcheck shell=bash

start_fleet() {  # $1 = N: the fleet and dnsmasq; sets FLEET_PID DNS_PID SMTP_PORT DNS_PORT
  local n=$1
  SMTP_PORT=$(free_port) DNS_PORT=$(free_port) || fail "no free loopback port"
  "$BIN/scripted_fleet" --count "$n" --port "$SMTP_PORT" --out "$RUN/fleet" \
    --first-address 127.5.0.1 --mix "$BENCH_MIX" --domain-suffix fleet.test \
    >"$RUN/fleet.log" 2>&1 &
  FLEET_PID=$!
  PIDS+=("$FLEET_PID")
  wait_for $((30 + n / 200)) "fleet ready" "$FLEET_PID" grep -q '^ready ' "$RUN/fleet.log"
  local dns_user=()
  (($(id -u) == 0)) && dns_user=(--user=root --group=root)  # stay root: read our files
  /usr/sbin/dnsmasq --keep-in-foreground --conf-file="$RUN/fleet/dnsmasq.conf" --no-resolv --no-hosts \
    --bind-interfaces --listen-address=127.0.0.1 --port="$DNS_PORT" "${dns_user[@]}" \
    --pid-file="$RUN/dnsmasq.pid" --log-facility=- >"$RUN/dnsmasq.log" 2>&1 &
  DNS_PID=$!
  PIDS+=("$DNS_PID")
  wait_for 10 "dnsmasq listening" "$DNS_PID" \
    bash -c "[[ -n \$(ss -Hlun '( sport = :$DNS_PORT )') ]]"
  # What the fleet serves, to check both exporters' verdicts against.
  read -r FLEET_COMPLIANT FLEET_MISORDERED FLEET_NO_STARTTLS < <(awk -F'\t' 'NR > 1 {
    c[$4]++ } END { printf "%d %d %d\n", c["compliant"], c["misordered"], c["no_starttls"] }' \
    "$RUN/fleet/manifest.tsv")
}

write_exporter_config() {  # $1 = file
  cat >"$1" <<EOF
# scripts/bench: one sweep (the interval is far longer than the run), then idle.
interval = "1h"
timeout = "$BENCH_TIMEOUT"
concurrency = $BENCH_CONCURRENCY
ehlo_name = "probe.bench.test"
dns_server = "127.0.0.1:$DNS_PORT"
dns_trust_anchor_file = "$SRC/tests/data/dnssec/unused-anchor.key"
ca_file = "$RUN/fleet/ca.pem"
address_families = ["ipv4"]
port = $SMTP_PORT

EOF
  cat "$RUN/fleet/partners.toml" >>"$1"
}

# Waits until the exporter $1 has probed $2 partners: its CPU time has not moved for 1 s (it is
# idle: with a 1 h interval nothing else runs) and one scrape then counts every probe. Polling
# /metrics instead would add a scrape's CPU, large at 10,000 partners, to the sweep's.
# Sets SWEEP_US (start to the last CPU tick), SWEEP_TICKS, SWEEP_HWM_KIB and SWEEP_RSS_KIB
# (peak and current RSS before that scrape, which allocates a body of its own) and
# SWEEP_RUNQ_NS.
wait_sweep() {
  local pid=$1 n=$2 t0=$3 limit_s=$((60 + $2 / 50)) last=-1 changed_us reply comm
  while :; do
    kill -0 "$pid" 2>/dev/null || fail "the exporter died during the sweep"
    cpu_ticks "$pid" || fail "the exporter died during the sweep"
    now_us
    ((TICKS != last)) && { last=$TICKS changed_us=$NOW; }
    if ((NOW - t0 > 5500000 && NOW - changed_us >= 1000000)); then
      read -r comm <"/proc/$pid/comm"
      [[ $comm == starttls_export* ]] || fail "pid $pid is $comm, not the exporter"
      status_kib "$pid" VmHWM
      SWEEP_HWM_KIB=$KIB
      status_kib "$pid" VmRSS
      SWEEP_RSS_KIB=$KIB
      # Time it was ready to run but waited for a CPU (schedstat, ns): on this shared 2-core
      # machine that, not the exporter, is what stretches a wall time.
      read -r _ SWEEP_RUNQ_NS _ <"/proc/$pid/schedstat"
      reply=$("$BIN/bench_http" scrape --url "http://127.0.0.1:$WEB_PORT/metrics" --count 1 \
        --save "$RUN/sweep-metrics.txt") || fail "scrape failed"
      [[ $(kv probes_total "$reply") -ge $n ]] && break
    fi
    ((NOW - t0 < limit_s * 1000000)) || fail "sweep of $n partners not done within $limit_s s"
    nap 0.1
  done
  SWEEP_US=$((changed_us - t0)) SWEEP_TICKS=$last
}

# The exporter's own event-loop lag histogram (starttls_exporter_event_loop_lag_seconds, a
# timer sampled every 50 ms) in the exposition file $1: sets R[$2_samples], R[$2_p99_ms] and
# R[$2_max_ms], the upper bounds (le) of the buckets holding the 99th percentile and the
# largest sample (1e6 past the last bound, 1 s).
loop_lag_from() {
  local got
  got=$(awk '/^starttls_exporter_event_loop_lag_seconds_bucket/ {
      match($0, /le="[^"]+"/); le[++n] = substr($0, RSTART + 4, RLENGTH - 5); c[n] = $NF }
    END { if (!n) exit 1; total = c[n]; p = ""; m = ""
      for (i = 1; i <= n; i++) {
        if (p == "" && c[i] >= 0.99 * total) p = le[i]
        if (m == "" && c[i] == total) m = le[i]
      }
      printf "%d %s %s\n", total, (p == "+Inf" ? 1e6 : p * 1000), (m == "+Inf" ? 1e6 : m * 1000) }' \
    "$1") || fail "no event-loop lag histogram in $1"
  read -r "R[$2_samples]" "R[$2_p99_ms]" "R[$2_max_ms]" <<<"$got"
}

start_exporter() {  # sets EXPORTER_PID WEB_PORT T0
  WEB_PORT=$(free_port) || fail "no free loopback port"
  now_us
  T0=$NOW
  "$BIN/starttls_exporter" --config.file "$RUN/starttls_exporter.toml" \
    --web.listen-address "127.0.0.1:$WEB_PORT" >>"$RUN/exporter.log" 2>&1 &
  EXPORTER_PID=$!
  PIDS+=("$EXPORTER_PID")
}

exporter_phase() {  # $1 = N
  local n=$1 fleet0 dns0 fleet1 dns1 cfg_cpu plain gz scrape_ticks counts
  write_exporter_config "$RUN/starttls_exporter.toml"
  # The configuration's load alone (parse and validate), measured in its own process.
  cfg_cpu=$( { TIMEFORMAT='%U %S'; time "$BIN/starttls_exporter" --config.check \
    --config.file "$RUN/starttls_exporter.toml" >/dev/null; } 2>&1 | awk '{ print $1 + $2 }')
  # What the process costs before any partner: the same settings, no [[partner]] (start-up,
  # trust store, listener), measured once it answers /-/ready.
  sed '/^\[\[partner\]\]/,$d' "$RUN/starttls_exporter.toml" >"$RUN/no-partners.toml"
  local idle_pid idle_port
  idle_port=$(free_port) || fail "no free loopback port"
  "$BIN/starttls_exporter" --config.file "$RUN/no-partners.toml" \
    --web.listen-address "127.0.0.1:$idle_port" >>"$RUN/exporter.log" 2>&1 &
  idle_pid=$!
  PIDS+=("$idle_pid")
  wait_for 15 "exporter without partners ready" "$idle_pid" \
    http_ok "http://127.0.0.1:$idle_port/-/ready"
  cpu_ticks "$idle_pid"; R[exp_start_cpu_s]=$(secs "$TICKS" "$HZ")
  status_kib "$idle_pid" VmHWM; R[exp_start_hwm_kib]=$KIB
  stop_pids "$idle_pid"; forget "$idle_pid"

  cpu_ticks "$FLEET_PID"; fleet0=$TICKS
  cpu_ticks "$DNS_PID"; dns0=$TICKS
  start_exporter
  wait_sweep "$EXPORTER_PID" "$n" "$T0"
  cpu_ticks "$FLEET_PID"; fleet1=$TICKS
  cpu_ticks "$DNS_PID"; dns1=$TICKS
  local hwm_sweep=$SWEEP_HWM_KIB
  local rss=$SWEEP_RSS_KIB
  loop_lag_from "$RUN/sweep-metrics.txt" loop_sweep
  rm -f "$RUN/sweep-metrics.txt"

  cpu_ticks "$EXPORTER_PID"; scrape_ticks=$TICKS
  plain=$("$BIN/bench_http" scrape --url "http://127.0.0.1:$WEB_PORT/metrics" --count 20 \
    --save "$RUN/metrics.txt") || fail "scrapes failed"
  gz=$("$BIN/bench_http" scrape --url "http://127.0.0.1:$WEB_PORT/metrics" --count 20 --gzip) ||
    fail "gzip scrapes failed"
  cpu_ticks "$EXPORTER_PID"; scrape_ticks=$((TICKS - scrape_ticks))
  status_kib "$EXPORTER_PID" VmHWM; local hwm_scraped=$KIB
  status_kib "$EXPORTER_PID" VmRSS; R[exp_rss_scraped_kib]=$KIB
  endpoints_phase
  stop_pids "$EXPORTER_PID"; forget "$EXPORTER_PID"

  # Every partner must have the class the fleet gave it (or the figures measure failures).
  counts=$(awk '/^starttls_ehlo_status\{/ && $NF == 1 { match($0, /status="[a-z_]+"/);
    c[substr($0, RSTART + 8, RLENGTH - 9)]++ }
    END { printf "%d %d %d", c["compliant"], c["misordered"], c["no_starttls"] }' \
    "$RUN/metrics.txt")
  [[ $counts == "$FLEET_COMPLIANT $FLEET_MISORDERED $FLEET_NO_STARTTLS" ]] ||
    fail "exporter classes (compliant misordered no_starttls) $counts, fleet serves" \
      "$FLEET_COMPLIANT $FLEET_MISORDERED $FLEET_NO_STARTTLS"
  rm -f "$RUN/metrics.txt"  # tens of MB at 10,000 partners

  R[exp_wall_s]=$(secs "$SWEEP_US" 1000000)
  R[exp_cpu_s]=$(secs "$SWEEP_TICKS" "$HZ")
  R[exp_cpu_ms_per_probe]=$(secs $((SWEEP_TICKS * 1000)) $((HZ * n)))
  R[config_load_cpu_s]=$cfg_cpu
  R[exp_hwm_sweep_kib]=$hwm_sweep R[exp_hwm_scraped_kib]=$hwm_scraped R[exp_rss_kib]=$rss
  R[exp_runq_wait_s]=$(secs "$SWEEP_RUNQ_NS" 1000000000)
  R[scrape_bytes]=$(kv bytes "$plain") R[scrape_gzip_bytes]=$(kv bytes "$gz")
  R[scrape_series]=$(kv series "$plain") R[scrape_first_ms]=$(kv first_ms "$plain")
  R[scrape_median_ms]=$(kv median_ms "$plain") R[scrape_max_ms]=$(kv max_ms "$plain")
  R[scrape_gzip_median_ms]=$(kv median_ms "$gz") R[scrape_gzip_max_ms]=$(kv max_ms "$gz")
  R[scrape_cpu_ms]=$(secs $((scrape_ticks * 1000)) $((HZ * 40)))
  R[fleet_cpu_s]=$(secs $((fleet1 - fleet0)) "$HZ") R[dns_cpu_s]=$(secs $((dns1 - dns0)) "$HZ")
  read -r "R[compliant]" "R[misordered]" "R[no_starttls]" <<<"$counts"
  log "exporter: ${R[exp_wall_s]} s, ${R[exp_cpu_ms_per_probe]} ms CPU/probe," \
    "peak RSS $((hwm_sweep / 1024)) MiB ($((hwm_scraped / 1024)) MiB after scrapes)," \
    "/metrics ${R[scrape_bytes]} B in ${R[scrape_median_ms]} ms; fleet ${R[fleet_cpu_s]} s CPU"
}

# The other two large endpoints, on the exporter of the sweep (after its /metrics scrapes):
# BENCH_ENDPOINT_COUNT requests each of /api/v1/targets and the status page, one after the
# other, their size and latency, and the peak RSS once served.
endpoints_phase() {
  local api page ticks
  cpu_ticks "$EXPORTER_PID"; ticks=$TICKS
  api=$("$BIN/bench_http" scrape --url "http://127.0.0.1:$WEB_PORT/api/v1/targets" \
    --count "$BENCH_ENDPOINT_COUNT") || fail "/api/v1/targets requests failed"
  page=$("$BIN/bench_http" scrape --url "http://127.0.0.1:$WEB_PORT/" \
    --count "$BENCH_ENDPOINT_COUNT") || fail "status page requests failed"
  cpu_ticks "$EXPORTER_PID"
  R[endpoints_cpu_ms]=$(secs $(((TICKS - ticks) * 1000)) $((HZ * 2 * BENCH_ENDPOINT_COUNT)))
  status_kib "$EXPORTER_PID" VmHWM; R[exp_hwm_served_kib]=$KIB
  R[api_bytes]=$(kv bytes "$api") R[api_median_ms]=$(kv median_ms "$api")
  R[api_max_ms]=$(kv max_ms "$api")
  R[page_bytes]=$(kv bytes "$page") R[page_median_ms]=$(kv median_ms "$page")
  R[page_max_ms]=$(kv max_ms "$page")
  log "endpoints: /api/v1/targets ${R[api_bytes]} B in ${R[api_median_ms]} ms, / ${R[page_bytes]}" \
    "B in ${R[page_median_ms]} ms; peak RSS $((R[exp_hwm_served_kib] / 1024)) MiB after them"
}

lag_phase() {  # $1 = N: a second sweep under /-/healthy every 10 ms, /metrics every few seconds
  local n=$1 out
  start_exporter
  wait_for 15 "exporter ready" "$EXPORTER_PID" http_ok "http://127.0.0.1:$WEB_PORT/-/ready"
  out=$(timeout $((120 + n / 20)) "$BIN/bench_http" lag --url "http://127.0.0.1:$WEB_PORT" \
    --until-probes "$n" --every-ms 10 --scrape-every-ms "$BENCH_LAG_SCRAPE_MS" \
    --max-seconds $((60 + n / 50))) ||
    fail "lag run: $out"
  local runq
  read -r _ runq _ <"/proc/$EXPORTER_PID/schedstat"
  R[lag_runq_wait_s]=$(secs "$runq" 1000000000)
  # The same sweep seen from inside: the exporter's lag histogram, scrapes included.
  "$BIN/bench_http" scrape --url "http://127.0.0.1:$WEB_PORT/metrics" --count 1 \
    --save "$RUN/lag-metrics.txt" >/dev/null || fail "scrape after the lag run failed"
  loop_lag_from "$RUN/lag-metrics.txt" loop_scraped
  rm -f "$RUN/lag-metrics.txt"
  stop_pids "$EXPORTER_PID"; forget "$EXPORTER_PID"
  R[lag_p50_ms]=$(kv p50_ms "$out") R[lag_p99_ms]=$(kv p99_ms "$out")
  R[lag_max_ms]=$(kv max_ms "$out") R[lag_outside_p99_ms]=$(kv outside_scrapes_p99_ms "$out")
  R[lag_outside_max_ms]=$(kv outside_scrapes_max_ms "$out")
  R[lag_during_max_ms]=$(kv during_scrapes_max_ms "$out")
  R[lag_scrape_median_ms]=$(kv scrape_median_ms "$out")
  R[lag_scrape_max_ms]=$(kv scrape_max_ms "$out") R[lag_wall_s]=$(kv wall_seconds "$out")
  log "lag: /-/healthy p99 ${R[lag_p99_ms]} ms, max ${R[lag_max_ms]} ms (outside scrapes" \
    "${R[lag_outside_max_ms]} ms); /metrics under load ${R[lag_scrape_median_ms]} ms median"
}

blackbox_phase() {  # $1 = N: /probe for every partner at the same concurrency
  local n=$1 port pid t0 start_ticks fleet0 out
  port=$(free_port) || fail "no free loopback port"
  # Targets as IP:port with a fixed TLS server name under the fleet's wildcard certificate:
  # blackbox resolves names with Go's resolver from /etc/resolv.conf, which must not be used
  # here, so it does no DNS at all (the exporter does MX + A through dnsmasq).
  awk -F'\t' -v p="$SMTP_PORT" 'NR > 1 { print $3 ":" p }' "$RUN/fleet/manifest.tsv" \
    >"$RUN/blackbox-targets.txt"
  cat >"$RUN/blackbox.yml" <<EOF
modules:
  smtp_starttls:
    prober: tcp
    timeout: $BENCH_TIMEOUT
    tcp:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      tls_config:
        ca_file: $RUN/fleet/ca.pem
        server_name: mx.fleet.test
      query_response:
        - expect: "^220 "
        - send: "EHLO probe.bench.test\r"
        - expect: "^250-STARTTLS"
        - expect: "^250 "
        - send: "STARTTLS\r"
        - expect: "^220 "
          starttls: true
        - send: "EHLO probe.bench.test\r"
        - expect: "^250 "
        - send: "QUIT\r"
        - expect: "^221 "
EOF
  "$BLACKBOX" --config.file "$RUN/blackbox.yml" --web.listen-address "127.0.0.1:$port" \
    >"$RUN/blackbox.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_for 15 "blackbox_exporter ready" "$pid" http_ok "http://127.0.0.1:$port/-/healthy"
  cpu_ticks "$pid"; start_ticks=$TICKS
  cpu_ticks "$FLEET_PID"; fleet0=$TICKS
  out=$(timeout $((120 + n / 10)) "$BIN/bench_http" probe --server "http://127.0.0.1:$port" \
    --module smtp_starttls --targets "$RUN/blackbox-targets.txt" \
    --concurrency "$BENCH_CONCURRENCY" 2>>"$RUN/blackbox.log") || fail "blackbox run: $out"
  kill -0 "$pid" 2>/dev/null || fail "blackbox_exporter died"
  local comm
  read -r comm <"/proc/$pid/comm"
  [[ $comm == prometheus-blac* ]] || fail "pid $pid is $comm, not blackbox_exporter"
  cpu_ticks "$pid"
  R[bb_cpu_s]=$(secs $((TICKS)) "$HZ") R[bb_start_cpu_s]=$(secs "$start_ticks" "$HZ")
  R[bb_cpu_ms_per_probe]=$(secs $((TICKS * 1000)) $((HZ * n)))
  cpu_ticks "$FLEET_PID"; R[bb_fleet_cpu_s]=$(secs $((TICKS - fleet0)) "$HZ")
  status_kib "$pid" VmHWM; R[bb_hwm_kib]=$KIB
  stop_pids "$pid"; forget "$pid"
  R[bb_wall_s]=$(kv wall_seconds "$out") R[bb_success]=$(kv success "$out")
  R[bb_failed]=$(kv failed "$out")
  # Its regexes see STARTTLS on any line: misordered partners pass, no STARTTLS fails.
  ((R[bb_success] == FLEET_COMPLIANT + FLEET_MISORDERED && R[bb_failed] == FLEET_NO_STARTTLS)) ||
    fail "blackbox: ${R[bb_success]} succeeded, ${R[bb_failed]} failed; expected" \
      "$((FLEET_COMPLIANT + FLEET_MISORDERED)) and $FLEET_NO_STARTTLS"
  log "blackbox: ${R[bb_wall_s]} s, ${R[bb_cpu_ms_per_probe]} ms CPU/probe," \
    "peak RSS $((R[bb_hwm_kib] / 1024)) MiB"
}

openssl_phase() {  # $1 = N
  local count=$((BENCH_OPENSSL < $1 ? BENCH_OPENSSL : $1)) out
  out=$(timeout $((60 + count / 10)) "$BIN/bench_openssl_client" \
    --manifest "$RUN/fleet/manifest.tsv" --port "$SMTP_PORT" --ca "$RUN/fleet/ca.pem" \
    --count "$count" 2>>"$RUN/openssl.log") || fail "OpenSSL client: $out"
  R[ossl_probes]=$(kv probes "$out") R[ossl_cpu_ms_per_probe]=$(kv cpu_ms_per_probe "$out")
  R[ossl_wall_s]=$(kv wall_seconds "$out")
  log "OpenSSL client: ${R[ossl_cpu_ms_per_probe]} ms CPU/probe over $count partners"
}

run_one() {  # $1 = N, $2 = run number; appends one row to $CSV
  local n=$1 run=$2 load col row
  declare -gA R=()
  read -r load _ </proc/loadavg
  R[n]=$n R[run]=$run R[load1]=$load
  log "N=$n run $run/$BENCH_REPEAT (load average $load)"
  start_fleet "$n"
  exporter_phase "$n"
  ((BENCH_LAG)) && lag_phase "$n"
  blackbox_phase "$n"
  ((BENCH_OPENSSL)) && openssl_phase "$n"
  if ((BENCH_PROFILE && !PROFILED)); then profile_phase "$n"; PROFILED=1; fi
  stop_all
  grep '^stopped ' "$RUN/fleet.log" >/dev/null || fail "the fleet did not stop cleanly"
  row=""
  for col in ${CSV_COLUMNS//,/ }; do row+="${R[$col]:-},"; done
  echo "${row%,}" >>"$CSV"
}

# One more exporter sweep, under perf (not counted in the figures: sampling costs CPU too).
# cpu-clock, not cycles: this machine is a VM without hardware counters. DWARF call graphs:
# neither this build nor Debian's libssl keep frame pointers.
profile_phase() {  # $1 = N
  local n=$1 dir=$RESULTS/profile perf_pid
  mkdir -p "$dir"
  start_exporter
  perf record -e cpu-clock -F 2999 --call-graph dwarf,16384 -p "$EXPORTER_PID" \
    -o "$dir/perf.data" >"$RUN/perf.log" 2>&1 &
  perf_pid=$!
  PIDS+=("$perf_pid")
  wait_sweep "$EXPORTER_PID" "$n" "$T0"
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  forget "$perf_pid"
  stop_pids "$EXPORTER_PID"; forget "$EXPORTER_PID"
  # Self time by shared object and by symbol; inclusive time by symbol (DWARF call chains).
  perf report -i "$dir/perf.data" --stdio --no-children --sort dso -g none \
    --percent-limit 0.5 2>/dev/null | grep -v '^$' >"$dir/by-object.txt" || true
  perf report -i "$dir/perf.data" --stdio --no-children --sort dso,sym -g none \
    --percent-limit 0.3 2>/dev/null | grep -v '^$' | cut -c1-160 >"$dir/by-symbol.txt" || true
  perf report -i "$dir/perf.data" --stdio --children --sort sym -g none \
    --percent-limit 1.5 2>/dev/null | grep -v '^$' | cut -c1-200 >"$dir/inclusive.txt" || true
  perf script -i "$dir/perf.data" -F ip,sym,dso 2>/dev/null |
    awk -f "$SRC/bench/profile_buckets.awk" >"$dir/buckets.txt" || true
  # The baseline under the same profiler, for the same breakdown of the same dialogue.
  if ((BENCH_OPENSSL)); then
    perf record -e cpu-clock -F 2999 --call-graph dwarf,16384 -o "$dir/openssl-perf.data" -- \
      "$BIN/bench_openssl_client" --manifest "$RUN/fleet/manifest.tsv" --port "$SMTP_PORT" \
      --ca "$RUN/fleet/ca.pem" --count "$n" >"$dir/openssl-run.txt" 2>>"$RUN/perf.log" || true
    perf report -i "$dir/openssl-perf.data" --stdio --no-children --sort dso -g none \
      --percent-limit 0.5 2>/dev/null | grep -v '^$' >"$dir/openssl-by-object.txt" || true
    perf script -i "$dir/openssl-perf.data" -F ip,sym,dso 2>/dev/null |
      awk -f "$SRC/bench/profile_buckets.awk" >"$dir/openssl-buckets.txt" || true
  fi
  cat "$dir/buckets.txt"
  log "profile of an N=$n sweep: $dir (buckets.txt, by-object.txt, by-symbol.txt, inclusive.txt)"
}

run_micro() {  # Google Benchmark and the crypto floor from openssl speed
  local dir=$RESULTS/micro
  mkdir -p "$dir"
  log "micro-benchmarks: reply parser"
  "$BIN/bench_reply_parser" --benchmark_min_time=0.5 --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true --benchmark_out="$dir/reply_parser.json" \
    --benchmark_out_format=json | tee "$dir/reply_parser.txt"
  log "micro-benchmarks: /metrics rendering"
  "$BIN/bench_metrics_render" --benchmark_min_time=1 --benchmark_out="$dir/metrics_render.json" \
    --benchmark_out_format=json | tee "$dir/metrics_render.txt"
  log "openssl speed: the client's crypto per handshake"
  openssl version | tee "$dir/openssl_speed.txt"
  openssl speed -seconds 3 ecdhx25519 ecdsap256 rsa2048 2>/dev/null |
    tee -a "$dir/openssl_speed.txt"
  openssl speed -seconds 3 -bytes 1024 -evp aes-256-gcm 2>/dev/null |
    tee -a "$dir/openssl_speed.txt"
}
