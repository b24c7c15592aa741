#!/usr/bin/env bash
# End-to-end proof on real components, all on 127.0.0.1 high ports:
#
#   scripted partner (compliant -> misordered -> compliant)
#   scripted DANE partner, its MX, address and TLSA record in a DNSSEC-signed zone (NSD)
#     <- starttls_exporter (interval 10s; validating resolver forwarding to NSD)
#     <- Prometheus (scrape 1s, alerts/*.rules.yml, evaluation 1s)
#     -> Alertmanager (group_wait 1s)
#
# Proves: StarttlsRegression is not active before the second misordered probe, fires in
# Prometheus and arrives at Alertmanager after it, and resolves once the partner is compliant
# again; that a partner whose signed TLSA record names a stale key reads DANE `mismatch`; and
# every PromQL expression of dashboards/*.json (panel targets and template variables) runs
# without error and returns data in this scenario.
#
#   prometheus_e2e.sh EXPORTER SCRIPTED_SMTP_SERVER SIGNED_ZONE_SERVER SOURCE_DIR
#
# Needs: prometheus, prometheus-alertmanager, curl, jq, ss, openssl, and NSD and ldnsutils for
# signed_zone_server. A component that cannot start FAILS the test (with its log); nothing is
# skipped.
set -euo pipefail

USAGE="usage: prometheus_e2e.sh EXPORTER SCRIPTED_SMTP_SERVER SIGNED_ZONE_SERVER SOURCE_DIR"
EXPORTER=${1:?$USAGE}
SCRIPTED=${2:?$USAGE}
SIGNED_ZONES=${3:?$USAGE}
SRC=${4:?$USAGE}
RULES=${STX_E2E_RULES:-$SRC/alerts/starttls_exporter.rules.yml}
PROMETHEUS=${PROMETHEUS:-prometheus}
ALERTMANAGER=${ALERTMANAGER:-prometheus-alertmanager}
ALERT=StarttlsRegression
FLIP_DOMAIN=flip.e2e.test
DOWN_DOMAIN=down.e2e.test
# The DANE partner's MX host answers on an address of its own, so that its probes never meet
# the flipping partner's server, whatever the ports.
DANE_DOMAIN=dane.e2e.test
DANE_MX=mx.$DANE_DOMAIN
DANE_ADDRESS=127.0.0.77

START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stx-e2e-XXXXXX")
PIDS=()

log() { printf '[e2e %3ds] %s\n' "$(($(date +%s) - START))" "$*"; }

dump_logs() {
  local f
  for f in "$WORK"/*.log; do
    [[ -e $f ]] || continue
    echo "----- $(basename "$f") (last 60 lines) -----"
    tail -n 60 "$f"
  done
}

fail() {
  log "FAIL: $*"
  dump_logs
  exit 1
}

cleanup() {
  local status=$? pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in "$PROMETHEUS" "$ALERTMANAGER" curl jq ss openssl timeout; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps installs it)"
done
[[ -x $EXPORTER ]] || fail "exporter binary $EXPORTER not found"
[[ -x $SCRIPTED ]] || fail "scripted_smtp_server binary $SCRIPTED not found"
[[ -x $SIGNED_ZONES ]] || fail "signed_zone_server binary $SIGNED_ZONES not found"
[[ -f $RULES ]] || fail "rule file $RULES not found"
DASHBOARDS=("$SRC"/dashboards/*.json)
[[ -f ${DASHBOARDS[0]} ]] || fail "no dashboards in $SRC/dashboards"

# A free port on 127.0.0.1 (not listening now; each is used at once by the one who asked).
USED_PORTS=" "
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    [[ $USED_PORTS == *" $port "* ]] && continue
    if [[ -z $(ss -Htan "( sport = :$port )" 2>/dev/null) ]]; then
      USED_PORTS+="$port "
      echo "$port"
      return 0
    fi
  done
  return 1
}

# wait_until DEADLINE_SECONDS DESCRIPTION COMMAND...: polls every 0.5 s, bounded.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + seconds))
  until "$@"; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.5
  done
  log "$what"
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# Waits for URL to answer 200 while PID lives; a component that exits FAILS at once.
wait_ready() {  # wait_ready SECONDS NAME PID URL
  local deadline=$(($(date +%s) + $1))
  until http_ok "$4"; do
    kill -0 "$3" 2>/dev/null || fail "$2 exited during start-up"
    (($(date +%s) < deadline)) || fail "$2 did not become ready within $1 s ($4)"
    sleep 0.2
  done
  log "$2 ready ($4)"
}

# Instant query; prints the JSON reply. Query errors print nothing and return 1.
prom_query() {
  curl -fsS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"
}

# The number of series an instant query returns (0 on error).
series_count() {
  local reply
  reply=$(prom_query "$1" 2>/dev/null) || { echo 0; return; }
  jq -r 'if .status == "success" then (.data.result | length) else 0 end' <<<"$reply"
}

# Prometheus' alerts of $ALERT for the flip partner, as "state" lines (pending/firing).
prom_alert_states() {
  curl -fsS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/alerts" |
    jq -r --arg a "$ALERT" --arg d "$FLIP_DOMAIN" \
      '.data.alerts[] | select(.labels.alertname == $a and .labels.domain == $d) | .state'
}
prom_alert_firing() { [[ $(prom_alert_states 2>/dev/null) == *firing* ]]; }
prom_alert_gone() { local s; s=$(prom_alert_states) && [[ -z $s ]]; }

am_alert_active() {
  curl -fsS --max-time 5 "http://127.0.0.1:$AM_PORT/api/v2/alerts?active=true&silenced=false&inhibited=false" |
    jq -e --arg a "$ALERT" --arg d "$FLIP_DOMAIN" \
      '[.[] | select(.labels.alertname == $a and .labels.domain == $d and .status.state == "active")] | length > 0' \
      >/dev/null 2>&1
}
am_alert_gone() {
  local reply
  reply=$(curl -fsS --max-time 5 "http://127.0.0.1:$AM_PORT/api/v2/alerts?active=true") || return 1
  jq -e --arg a "$ALERT" --arg d "$FLIP_DOMAIN" \
    '[.[] | select(.labels.alertname == $a and .labels.domain == $d)] | length == 0' \
    >/dev/null <<<"$reply"
}

# ----- the scripted partner ----------------------------------------------------------------
PARTNER_PID=
start_partner() {  # start_partner BEHAVIOUR LISTEN
  local behaviour=$1 listen=$2 out="$WORK/partner-$1-$(date +%s%N).log"
  : >"$out"  # exists before the first grep below looks for the listening line
  "$SCRIPTED" --behaviour "$behaviour" --listen "$listen" --cert-dir "$WORK/pki-$behaviour-$(date +%s%N)" \
    >"$out" 2>&1 &
  PARTNER_PID=$!
  PIDS+=("$PARTNER_PID")
  wait_until 10 "partner $behaviour listening on $listen" grep -q '^listening ' "$out" ||
    fail "scripted_smtp_server --behaviour $behaviour did not start on $listen"
  PARTNER_LINE=$(grep -m1 '^listening ' "$out")
}
stop_partner() {
  kill "$PARTNER_PID" 2>/dev/null || true
  local deadline=$(($(date +%s) + 5))
  while kill -0 "$PARTNER_PID" 2>/dev/null; do
    (($(date +%s) < deadline)) || { kill -KILL "$PARTNER_PID" 2>/dev/null || true; break; }
    sleep 0.1
  done
  wait "$PARTNER_PID" 2>/dev/null || true
}

SMTP_PORT=$(free_port) || fail "no free port"
start_partner compliant "127.0.0.1:$SMTP_PORT"
CA_FILE="$WORK/partner-ca.pem"
cp "$(sed -n 's/.* ca=//p' <<<"$PARTNER_LINE")" "$CA_FILE"
DOWN_PORT=$(free_port) || fail "no free port"  # nothing listens there: connect_refused

# ----- the DANE partner: a scripted server behind a signed zone -----------------------------
# Its MX host, address and TLSA record come from a DNSSEC-signed zone served by NSD, which the
# exporter's resolver validates from the zone's DS (the trust anchor): the address is secure, so
# the exporter looks up _25._tcp.mx.dane.e2e.test (RFC 7672 §2.2.2) and checks the certificate
# against it. The record names a stale key (a key generated here, never served): a certificate
# renewed with a new key while the record stayed, the common DANE failure. The address then
# reads `mismatch` with one usable record, which the partner dashboard's "DANE per MX address"
# and the overview's "DANE problems" show (a single matching record, the rollover risk, would
# satisfy the overview too; a mismatch is what an operator must act on).
DANE_PORT=$(free_port) || fail "no free port"
dane_out="$WORK/partner-dane.log"
: >"$dane_out"
"$SCRIPTED" --behaviour compliant --listen "$DANE_ADDRESS:$DANE_PORT" --host "$DANE_MX" \
  --cert-dir "$WORK/pki-dane" >"$dane_out" 2>&1 &
DANE_PID=$!
PIDS+=("$DANE_PID")
wait_until 10 "DANE partner listening on $DANE_ADDRESS:$DANE_PORT" grep -q '^listening ' "$dane_out" ||
  fail "scripted_smtp_server did not start on $DANE_ADDRESS:$DANE_PORT"
DANE_CA=$(sed -n 's/^listening .* ca=//p' "$dane_out")
[[ -f $DANE_CA ]] || fail "the DANE partner named no CA file ($(head -n1 "$dane_out"))"

# TLSA 3 1 1 data: SHA-256 of the SubjectPublicKeyInfo (RFC 6698 §2.1.2-§2.1.3; DANE-EE(3) with
# SPKI(1) is what RFC 7672 §3.1.1 recommends). The served key is read off the wire, as a sender
# would see it, only to prove that the published (stale) one differs from it.
spki_sha256() { openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
SERVED_SPKI=$(timeout 10 openssl s_client -connect "$DANE_ADDRESS:$DANE_PORT" -starttls smtp \
  -name probe.test -servername "$DANE_MX" </dev/null 2>/dev/null |
  openssl x509 -pubkey -noout | spki_sha256) ||
  fail "could not read the certificate the DANE partner serves (openssl s_client -starttls smtp)"
STALE_SPKI=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
  openssl pkey -pubout | spki_sha256) || fail "openssl could not generate the stale key"
[[ ${#SERVED_SPKI} == 64 && ${#STALE_SPKI} == 64 && $SERVED_SPKI != "$STALE_SPKI" ]] ||
  fail "bad TLSA data: served '$SERVED_SPKI', stale '$STALE_SPKI'"
log "DANE partner serves SPKI sha256 $SERVED_SPKI; its TLSA record names $STALE_SPKI"

zones_out="$WORK/signed-zones.log"
: >"$zones_out"
"$SIGNED_ZONES" --zone "$DANE_DOMAIN:secure" \
  --record "$DANE_DOMAIN|@ MX 10 mx" \
  --record "$DANE_DOMAIN|mx A $DANE_ADDRESS" \
  --record "$DANE_DOMAIN|_25._tcp.mx TLSA 3 1 1 $STALE_SPKI" >"$zones_out" 2>&1 &
ZONES_PID=$!
PIDS+=("$ZONES_PID")
# Key generation, signing and NSD's start; the server gives up on NSD after 5 s itself.
zones_ready() {
  grep -q '^listening ' "$zones_out" && return 0
  kill -0 "$ZONES_PID" 2>/dev/null || fail "signed_zone_server exited during start-up"
  return 1
}
wait_until 30 "signed zone $DANE_DOMAIN served" zones_ready ||
  fail "signed_zone_server did not serve $DANE_DOMAIN within 30 s"
DNS_SERVER=$(sed -n 's/^listening \([^ ]*\) .*/\1/p' "$zones_out")
TRUST_ANCHOR=$(sed -n 's/^listening .* anchor=//p' "$zones_out")
[[ -s $TRUST_ANCHOR ]] || fail "signed_zone_server wrote no trust anchor ($TRUST_ANCHOR)"
# One CA file for both scripted servers: the DANE partner's chain is then valid for WebPKI, so
# the mismatch is its only fault, as when a renewal changed the key but not the record.
cat "$DANE_CA" >>"$CA_FILE"

# ----- the exporter --------------------------------------------------------------------------
EXPORTER_PORT=$(free_port) || fail "no free port"
cat >"$WORK/starttls_exporter.toml" <<EOF
interval = "10s"
timeout = "5s"
ehlo_name = "probe.test"
ca_file = "$CA_FILE"
# Only the DANE partner is looked up (the others pin addresses): the signed zone's server,
# validated from its DS.
dns_server = "$DNS_SERVER"
dns_trust_anchor_file = "$TRUST_ANCHOR"

[[partner]]
domain = "$FLIP_DOMAIN"
name = "E2E flipping partner"
mx = ["127.0.0.1:$SMTP_PORT"]
labels = { team = "payments", tier = "1" }

[[partner]]
domain = "$DOWN_DOMAIN"
name = "E2E unreachable partner"
mx = ["127.0.0.1:$DOWN_PORT"]
labels = { team = "operations", tier = "2" }

# No mx: the MX host and its address come from the signed zone, which makes the address
# DNSSEC-secure and DANE applicable. The TLSA name says port 25 whatever the port probed.
[[partner]]
domain = "$DANE_DOMAIN"
name = "E2E DANE partner"
port = $DANE_PORT
labels = { team = "security", tier = "1" }
EOF
"$EXPORTER" --config.file="$WORK/starttls_exporter.toml" \
  --web.listen-address="127.0.0.1:$EXPORTER_PORT" >"$WORK/exporter.log" 2>&1 &
EXPORTER_PID=$!
PIDS+=("$EXPORTER_PID")
wait_ready 15 starttls_exporter "$EXPORTER_PID" "http://127.0.0.1:$EXPORTER_PORT/-/ready"

# ----- Alertmanager --------------------------------------------------------------------------
AM_PORT=$(free_port) || fail "no free port"
cat >"$WORK/alertmanager.yml" <<EOF
route:
  receiver: blackhole
  group_by: [alertname, domain, mx, address]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
EOF
mkdir -p "$WORK/am-data"
"$ALERTMANAGER" --config.file="$WORK/alertmanager.yml" --storage.path="$WORK/am-data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address="" \
  --log.level=warn >"$WORK/alertmanager.log" 2>&1 &
AM_PID=$!
PIDS+=("$AM_PID")
wait_ready 20 Alertmanager "$AM_PID" "http://127.0.0.1:$AM_PORT/-/ready"

# ----- Prometheus ----------------------------------------------------------------------------
PROM_PORT=$(free_port) || fail "no free port"
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:$AM_PORT"]
scrape_configs:
  - job_name: starttls_exporter
    static_configs:
      - targets: ["127.0.0.1:$EXPORTER_PORT"]
EOF
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
wait_ready 30 Prometheus "$PROM_PID" "http://127.0.0.1:$PROM_PORT/-/ready"
rule_groups=$(curl -fsS "http://127.0.0.1:$PROM_PORT/api/v1/rules" | jq '.data.groups | length')
((rule_groups > 0)) || fail "Prometheus loaded no rule group from $RULES"
[[ $(curl -fsS "http://127.0.0.1:$PROM_PORT/api/v1/rules?type=alert" |
  jq --arg a "$ALERT" '[.data.groups[].rules[] | select(.name == $a)] | length') -gt 0 ]] ||
  fail "alert $ALERT is not in $RULES"

# ----- 1. compliant, scraped --------------------------------------------------------------
F="domain=\"$FLIP_DOMAIN\""
flip_compliant() { [[ $(series_count "starttls_ehlo_status{$F, status=\"compliant\"} == 1") == 1 ]]; }
wait_until 30 "Prometheus sees $FLIP_DOMAIN compliant" flip_compliant ||
  fail "$FLIP_DOMAIN never compliant in Prometheus"
prom_alert_gone || fail "$ALERT active while the partner is compliant"
D="domain=\"$DANE_DOMAIN\""
dane_mismatch() {
  [[ $(series_count "starttls_dane_status{$D, mx=\"$DANE_MX\", status=\"mismatch\"} == 1") == 1 &&
    $(series_count "starttls_dane_usable_records{$D} == 1") == 1 ]]
}
if ! wait_until 30 "Prometheus sees $DANE_DOMAIN DANE mismatch (1 usable record)" dane_mismatch; then
  fail "$DANE_DOMAIN never read DANE mismatch in Prometheus; its DANE series: $(prom_query \
    "{__name__=~\"starttls_dane_.*\", $D}" | jq -c '[.data.result[] | [.metric.status, .value[1]]]')"
fi
# The alert needs a compliant sample within 24 h: let a few scrapes land before the flip.
sleep 2

# ----- 2. the flip: misordered on the same address -----------------------------------------
log "flip: $FLIP_DOMAIN compliant -> misordered"
stop_partner
start_partner misordered "127.0.0.1:$SMTP_PORT"
FLIP_AT=$(date +%s)

# Until the alert fires, watch both: an active (pending or firing) alert while Prometheus' latest
# consecutive count for the misordered status is below 2 is a page on one probe. The count only
# grows while the partner stays misordered, and the alert state is evaluated from samples no
# newer than the ones queried after it, so reading the alert first makes this check race-free.
saw_first_probe=0
deadline=$((FLIP_AT + 60))
while :; do
  states=$(prom_alert_states 2>/dev/null || true)
  count=$(prom_query "starttls_ehlo_status_consecutive_probes{$F} and on(domain, mx, address) (starttls_ehlo_status{$F, status=\"misordered\"} == 1)" |
    jq -r '.data.result[0].value[1] // "0"')
  if [[ $count == 1 ]] && ((saw_first_probe == 0)); then
    saw_first_probe=1
    log "first misordered probe scraped (consecutive_probes=1); $ALERT: ${states:-not active}"
  fi
  if [[ -n $states ]]; then
    ((count >= 2)) || fail "$ALERT is $states with consecutive_probes=$count (< 2): one probe paged"
  fi
  [[ $states == *firing* ]] && break
  (($(date +%s) < deadline)) || fail "$ALERT did not fire within 60 s of the flip (consecutive_probes=$count, state=${states:-none})"
  sleep 0.5
done
((saw_first_probe)) || fail "never observed the first misordered probe (consecutive_probes=1) before $ALERT fired"
log "$ALERT firing in Prometheus, $(($(date +%s) - FLIP_AT)) s after the flip (consecutive_probes=$count)"
wait_until 30 "$ALERT active in Alertmanager" am_alert_active ||
  fail "$ALERT did not arrive at Alertmanager"

# ----- 3. every dashboard expression returns data -------------------------------------------
# Grafana's variables become concrete values; label_values(METRIC, LABEL) is what Grafana runs
# as the label-values API, so it becomes count by (LABEL) (METRIC). $domain is tried with each
# scenario domain until one returns data: a partner panel must return data for at least one of
# them (the failure reasons belong to the unreachable partner, the findings to the misordered
# one, DANE to the DANE partner). Query errors do not depend on the domain, so stopping at the
# first domain with data misses none.
substitute() {
  sed -e 's/\$__rate_interval/1m/g; s/\$__interval/15s/g; s/\$__range/1h/g' \
    -e 's/\${team}/.*/g; s/\$team/.*/g; s/\${tier}/.*/g; s/\$tier/.*/g' \
    -e "s/\\\${domain}/$2/g; s/\\\$domain/$2/g" <<<"$1"
}
label_values_to_promql() {
  sed -E 's/^label_values\(([^,]+),[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)\)$/count by (\2) (\1)/' <<<"$1"
}
checked=0
failed=0
for dashboard in "${DASHBOARDS[@]}"; do
  name=$(basename "$dashboard")
  # Panel targets (nested rows too) and query-variable definitions, one per line.
  mapfile -t exprs < <(jq -r '
    ([.. | objects | select(has("targets")) | .targets[] | .expr // empty]
     + [.templating.list[] | select(.type == "query") | (.query.query? // .query // .definition)])
    | .[] | gsub("\n"; " ")' "$dashboard")
  ((${#exprs[@]} > 0)) || fail "$name: no expressions found"
  for expr in "${exprs[@]}"; do
    promql=$(label_values_to_promql "$expr")
    got=0
    errors=""
    for domain in "$FLIP_DOMAIN" "$DOWN_DOMAIN" "$DANE_DOMAIN"; do
      q=$(substitute "$promql" "$domain")
      reply=$(curl -sS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$q") || true
      if [[ $(jq -r '.status // "error"' <<<"$reply" 2>/dev/null) != success ]]; then
        errors=$(jq -r '.error // "no reply"' <<<"$reply" 2>/dev/null || echo "bad reply: $reply")
        break
      fi
      n=$(jq -r '.data.result | if type == "array" then length else 1 end' <<<"$reply")
      ((n > 0)) && { got=1; break; }
      [[ $q == "$(substitute "$promql" other)" ]] && break  # no $domain in it: one run is enough
    done
    checked=$((checked + 1))
    if [[ -n $errors ]]; then
      log "$name: ERROR: $expr -> $errors"
      failed=$((failed + 1))
    elif ((got == 0)); then
      log "$name: NO DATA: $expr"
      failed=$((failed + 1))
    fi
  done
done
((failed == 0)) || fail "$failed of $checked dashboard expressions failed"
log "all $checked dashboard expressions return data"

# ----- 4. the resolution: compliant again ---------------------------------------------------
log "restore: $FLIP_DOMAIN misordered -> compliant"
stop_partner
start_partner compliant "127.0.0.1:$SMTP_PORT"
RESTORE_AT=$(date +%s)
wait_until 45 "$ALERT gone from Prometheus" prom_alert_gone ||
  fail "$ALERT still active 45 s after the partner became compliant again"
log "$ALERT resolved in Prometheus $(($(date +%s) - RESTORE_AT)) s after the restore"
wait_until 30 "$ALERT resolved in Alertmanager" am_alert_gone ||
  fail "$ALERT still active in Alertmanager after it resolved in Prometheus"

kill -0 "$EXPORTER_PID" 2>/dev/null || fail "the exporter died"
kill -0 "$PROM_PID" 2>/dev/null || fail "Prometheus died"
kill -0 "$AM_PID" 2>/dev/null || fail "Alertmanager died"
kill -0 "$ZONES_PID" 2>/dev/null || fail "signed_zone_server died"
log "PASS"
