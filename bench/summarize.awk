# Summarizes scripts/bench's runs.csv: for each N, the median and [min - max] over the runs
# of each figure, and blackbox_exporter's figures over the exporter's (the ratio of medians).
#   awk -F, -v lag_scrape_ms=2000 -f bench/summarize.awk runs.csv
function sort_numeric(a, n,    i, j, v) {  # insertion sort of a[1..n]; n is small
  for (i = 2; i <= n; i++) {
    v = a[i]
    for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
    a[j + 1] = v
  }
}
function collect(n, name, scale,    i, k) {  # fills s[1..count] with column `name` for N = n
  count = 0
  for (i = 1; i <= rows; i++) {
    if (v[i, col["n"]] != n || v[i, col[name]] == "") continue
    s[++count] = v[i, col[name]] * scale
  }
  sort_numeric(s, count)
  return count
}
function median(n, name, scale) {
  if (!collect(n, name, scale)) return ""
  return count % 2 ? s[(count + 1) / 2] : (s[count / 2] + s[count / 2 + 1]) / 2
}
function cell(n, name, scale, fmt,    m) {  # "median [min - max]"
  m = median(n, name, scale)
  if (m == "") return "-"
  if (count == 1) return sprintf(fmt, m)
  return sprintf(fmt " [" fmt " - " fmt "]", m, s[1], s[count])
}
function line(label, a, b, ratio) {
  printf "  %-34s %-26s %-26s %s\n", label, a, b, ratio
}
function ratio(n, bb, ours, scale_bb, scale_ours,    x, y) {
  x = median(n, bb, scale_bb)
  y = median(n, ours, scale_ours)
  return (x == "" || y == "" || y == 0) ? "-" : sprintf("%.2f", x / y)
}
NR == 1 { for (c = 1; c <= NF; c++) col[$c] = c; next }
{
  rows++
  for (c = 1; c <= NF; c++) v[rows, c] = $c
  if (!(($1) in seen)) { seen[$1] = 1; order[++ns] = $1 }
}
END {
  kib_to_mib = 1 / 1024
  for (k = 1; k <= ns; k++) {
    n = order[k]
    collect(n, "n", 1)
    runs = count
    printf "\nN = %d partners, %d run%s: median [min - max]\n", n, runs, runs == 1 ? "" : "s"
    line("", "starttls_exporter", "blackbox_exporter", "blackbox/exporter")
    line("CPU per probe (ms)", cell(n, "exp_cpu_ms_per_probe", 1, "%.3f"),
         cell(n, "bb_cpu_ms_per_probe", 1, "%.3f"),
         ratio(n, "bb_cpu_ms_per_probe", "exp_cpu_ms_per_probe", 1, 1))
    line("CPU for the sweep (s)", cell(n, "exp_cpu_s", 1, "%.2f"), cell(n, "bb_cpu_s", 1, "%.2f"),
         ratio(n, "bb_cpu_s", "exp_cpu_s", 1, 1))
    line("peak RSS (MiB)", cell(n, "exp_hwm_sweep_kib", kib_to_mib, "%.1f"),
         cell(n, "bb_hwm_kib", kib_to_mib, "%.1f"),
         ratio(n, "bb_hwm_kib", "exp_hwm_sweep_kib", 1, 1))
    line("wall time of the sweep (s)", cell(n, "exp_wall_s", 1, "%.2f"),
         cell(n, "bb_wall_s", 1, "%.2f"), ratio(n, "bb_wall_s", "exp_wall_s", 1, 1))
    line("fleet CPU meanwhile (s)", cell(n, "fleet_cpu_s", 1, "%.2f"),
         cell(n, "bb_fleet_cpu_s", 1, "%.2f"), "")
    print "  exporter only"
    line("peak RSS per partner (KiB)", cell(n, "exp_hwm_sweep_kib", 1 / n, "%.2f"), "", "")
    line("peak RSS after 40 scrapes (MiB)", cell(n, "exp_hwm_scraped_kib", kib_to_mib, "%.1f"),
         "", "")
    line("RSS after the sweep (MiB)", cell(n, "exp_rss_kib", kib_to_mib, "%.1f"), "", "")
    line("RSS after 40 scrapes (MiB)", cell(n, "exp_rss_scraped_kib", kib_to_mib, "%.1f"), "", "")
    line("waited for a CPU in the sweep (s)", cell(n, "exp_runq_wait_s", 1, "%.2f"), "", "")
    line("config load, own process (CPU s)", cell(n, "config_load_cpu_s", 1, "%.3f"), "", "")
    line("no partners: start-up CPU (s), RSS", cell(n, "exp_start_cpu_s", 1, "%.2f"),
         cell(n, "exp_start_hwm_kib", kib_to_mib, "%.1f") " MiB", "")
    line("/metrics body (MiB)", cell(n, "scrape_bytes", 1 / 1048576, "%.2f"), "", "")
    line("/metrics gzip body (KiB)", cell(n, "scrape_gzip_bytes", 1 / 1024, "%.0f"), "", "")
    line("/metrics series", cell(n, "scrape_series", 1, "%d"), "", "")
    line("/metrics latency, plain (ms)", cell(n, "scrape_median_ms", 1, "%.1f"),
         "max " cell(n, "scrape_max_ms", 1, "%.1f"), "")
    line("/metrics latency, gzip (ms)", cell(n, "scrape_gzip_median_ms", 1, "%.1f"),
         "max " cell(n, "scrape_gzip_max_ms", 1, "%.1f"), "")
    line("exporter CPU per scrape (ms)", cell(n, "scrape_cpu_ms", 1, "%.1f"), "", "")
    if (median(n, "api_bytes", 1) != "") {
      line("/api/v1/targets body (MiB)", cell(n, "api_bytes", 1 / 1048576, "%.2f"), "", "")
      line("/api/v1/targets latency (ms)", cell(n, "api_median_ms", 1, "%.1f"),
           "max " cell(n, "api_max_ms", 1, "%.1f"), "")
      line("status page body (MiB)", cell(n, "page_bytes", 1 / 1048576, "%.2f"), "", "")
      line("status page latency (ms)", cell(n, "page_median_ms", 1, "%.1f"),
           "max " cell(n, "page_max_ms", 1, "%.1f"), "")
      line("CPU per API or page request (ms)", cell(n, "endpoints_cpu_ms", 1, "%.1f"), "", "")
      line("peak RSS after them (MiB)", cell(n, "exp_hwm_served_kib", kib_to_mib, "%.1f"), "", "")
    }
    line("dnsmasq CPU in the sweep (s)", cell(n, "dns_cpu_s", 1, "%.2f"), "", "")
    if (median(n, "lag_p50_ms", 1) != "") {
      printf "  event-loop lag (GET /-/healthy every 10 ms, /metrics gzip every %s ms, in a sweep)\n",
             lag_scrape_ms == "" ? "?" : lag_scrape_ms
      line("p50 / p99 (ms)", cell(n, "lag_p50_ms", 1, "%.2f"), cell(n, "lag_p99_ms", 1, "%.2f"), "")
      line("max outside scrapes (ms)", cell(n, "lag_outside_max_ms", 1, "%.1f"),
           "p99 " cell(n, "lag_outside_p99_ms", 1, "%.2f"), "")
      line("max during a scrape (ms)", cell(n, "lag_during_max_ms", 1, "%.1f"), "", "")
      line("/metrics during the sweep (ms)", cell(n, "lag_scrape_median_ms", 1, "%.1f"),
           "max " cell(n, "lag_scrape_max_ms", 1, "%.1f"), "")
      line("sweep wall / waited for a CPU (s)", cell(n, "lag_wall_s", 1, "%.2f"),
           cell(n, "lag_runq_wait_s", 1, "%.2f"), "")
    }
    if (median(n, "loop_sweep_samples", 1) != "") {
      print "  event-loop lag inside the exporter (starttls_exporter_event_loop_lag_seconds," \
            " bucket bounds)"
      line("sweep alone: p99 / max <= (ms)", cell(n, "loop_sweep_p99_ms", 1, "%g"),
           cell(n, "loop_sweep_max_ms", 1, "%g"), "")
      line("sweep + scrapes: p99 / max <= (ms)", cell(n, "loop_scraped_p99_ms", 1, "%g"),
           cell(n, "loop_scraped_max_ms", 1, "%g"), "")
    }
    if (median(n, "ossl_cpu_ms_per_probe", 1) != "") {
      print "  minimal blocking OpenSSL client, sequential (bench_openssl_client)"
      line("CPU per probe (ms)", cell(n, "ossl_cpu_ms_per_probe", 1, "%.3f"),
           "exporter/OpenSSL " ratio(n, "exp_cpu_ms_per_probe", "ossl_cpu_ms_per_probe", 1, 1),
           "")
    }
  }
  # What one more partner costs: the growth of the median peak between consecutive N, which
  # leaves out what the process needs with no partners at all.
  for (k = 2; k <= ns; k++) {
    a = order[k - 1]
    b = order[k]
    if (b == a) continue
    printf "\nPeak RSS per additional partner, N = %d -> %d (KiB): starttls_exporter %.2f, " \
           "blackbox_exporter %.2f\n", a, b,
           (median(b, "exp_hwm_sweep_kib", 1) - median(a, "exp_hwm_sweep_kib", 1)) / (b - a),
           (median(b, "bb_hwm_kib", 1) - median(a, "bb_hwm_kib", 1)) / (b - a)
  }
}
