# Summarizes and checks the samples of scripts/soak (CSV with a header line).
#   awk -F, -v warmup=120 -v partners=500 -v interval=10 -f summarize.awk samples.csv
# Prints min / median / max of every column after the warm-up, and the growth from the first
# to the last window (a minute each, less in a short run). Exit status 1 when a check fails.
function sort_numeric(a, n,    i, j, v) {  # insertion sort of a[1..n]; n is small
  for (i = 2; i <= n; i++) {
    v = a[i]
    for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
    a[j + 1] = v
  }
}
function median(col, from, to,    i, n, a) {
  n = 0
  for (i = 1; i <= rows; i++) if (t[i] > from && t[i] <= to) a[++n] = v[i, col]
  sort_numeric(a, n)
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function check(ok, what) {
  printf "  %-6s %s\n", ok ? "ok" : "FAIL", what
  if (!ok) failed = 1
}
NR == 1 { for (c = 1; c <= NF; c++) name[c] = $c; cols = NF; next }
{ rows++; t[rows] = $1; for (c = 1; c <= NF; c++) v[rows, c] = $c + 0 }
END {
  if (rows < 2) { print "soak: no samples"; exit 1 }
  tmax = t[rows]
  window = (tmax - warmup) / 3
  if (window > 60) window = 60
  first_to = warmup + window
  last_from = tmax - window
  printf "soak summary: %d samples over %d s, warm-up %d s excluded; first window (%d, %d] s, last window (%d, %d] s\n", rows, tmax, warmup, warmup, first_to, last_from, tmax
  printf "  %-14s %10s %10s %10s %12s %12s %10s\n", "column", "min", "median", "max", "first-median", "last-median", "growth"
  for (c = 2; c <= cols; c++) {
    n = 0; delete a
    for (i = 1; i <= rows; i++) if (t[i] > warmup) a[++n] = v[i, c]
    sort_numeric(a, n)
    lo[c] = a[1]; hi[c] = a[n]; mid[c] = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    first[c] = median(c, warmup, first_to); last[c] = median(c, last_from, tmax)
    printf "  %-14s %10g %10g %10g %12g %12g %+10g\n", name[c], lo[c], mid[c], hi[c], first[c], last[c], last[c] - first[c]
    col[name[c]] = c
  }
  # Probes complete all along: every sample saw new results, and after the warm-up at the rate
  # the configuration asks for (every partner every interval).
  stalled = 0
  for (i = 2; i <= rows; i++) if (v[i, col["probes_total"]] <= v[i - 1, col["probes_total"]]) stalled++
  check(stalled == 0, sprintf("probes completed between every two samples (%d stalls)", stalled))
  for (i = 1; i <= rows && t[i] <= warmup; i++) ;
  rate = (v[rows, col["probes_total"]] - v[i - 1, col["probes_total"]]) / (tmax - t[i - 1])
  check(rate >= 0.9 * partners / interval, sprintf("probe rate after warm-up %.1f/s (every partner every %d s: %.1f/s)", rate, interval, partners / interval))
  c = col["series"]
  check(lo[c] == hi[c], sprintf("series count flat after warm-up (%d..%d)", lo[c], hi[c]))
  # Descriptors: files, pipes, timers, epoll (everything but sockets) do not depend on the
  # traffic, so they must not move at all. Sockets are mostly the probes in flight at the
  # instant of the sample (one per address being probed), so their count varies sample to
  # sample; a leak shows as a rising median. Allowing 2 still catches a leak of one socket per
  # thousand probes in a 10-minute run (about 21,000 probes between the middles of the windows).
  c = col["other_fds"]
  check(lo[c] == hi[c], sprintf("descriptors other than sockets flat after warm-up (%d..%d)", lo[c], hi[c]))
  c = col["sockets"]
  check(last[c] - first[c] <= 2, sprintf("sockets: median %g in the first window, %g in the last (at most +2)", first[c], last[c]))
  # Memory: once scripts/soak has taken the allocator to its high-water mark for scrape-time
  # memory (each scrape builds and frees a multi-megabyte exposition), RSS moved by 0-100 KiB
  # between the windows in our runs; without that, one run stepped up 3.7 MiB once (freed
  # heap kept by glibc, not a leak). 2 MiB is about 4 % of a 500-partner exporter's RSS and
  # catches a leak of ~100 bytes per probe over 10 minutes.
  c = col["rss_kib"]
  check(last[c] - first[c] <= 2048, sprintf("resident memory: median %g KiB in the first window, %g KiB in the last (at most +2048 KiB)", first[c], last[c]))
  exit failed
}
