# Where the exporter's CPU goes, from `perf script` output of a sweep recorded with DWARF call
# chains (scripts/bench, BENCH_PROFILE=1): each sample is put in the first bucket whose rule
# its call chain matches, so the buckets add up to 100 %.
#   perf script -i perf.data -F ip,sym,dso | awk -f bench/profile_buckets.awk
function classify(chain, leaf_dso,    k) {
  if (chain ~ /engine::handshake|SSL_do_handshake|SSL_connect|TlsHandshake/) {
    if (chain ~ /X509_verify_cert/) return "TLS handshake: chain verification (X509_verify_cert)"
    if (chain ~ /OSSL_DECODER|d2i_X509|ASN1_item_d2i/)
      return "TLS handshake: certificate decoding (d2i, OSSL_DECODER)"
    if (chain ~ /EVP_DigestVerify|EVP_DigestSign/) return "TLS handshake: CertificateVerify signature"
    if (chain ~ /EVP_PKEY_derive|EVP_PKEY_keygen|EVP_PKEY_generate|X25519|ossl_ecx/)
      return "TLS handshake: key exchange (X25519 keygen + derive)"
    if (leaf_dso ~ /kernel/) return "TLS handshake: kernel (send, recv)"
    return "TLS handshake: other (key schedule, records, state machine)"
  }
  if (chain ~ /ExtractTlsFacts/) return "TLS facts read-out (ExtractTlsFacts)"
  if (chain ~ /SSL_free|SSL_new|SSL_shutdown|engine::~engine|engine::engine|SSL_clear/)
    return "SSL object set-up, shutdown, free"
  if (chain ~ /SSL_read|SSL_write|engine::read|engine::write/)
    return "TLS records after the handshake (EHLO, QUIT)"
  if (chain ~ /ares_|stx::dns::/) return "DNS (c-ares, MX + A)"
  if (chain ~ /stx::http::|stx::metrics::/) return kScrape
  if (leaf_dso ~ /kernel/) return "kernel outside TLS (connect, send, recv, epoll, close)"
  if (leaf_sym ~ /^(malloc|_int_malloc|cfree|free|_int_free|malloc_consolidate|unlink_chunk|operator new|operator delete|realloc|_int_realloc|calloc|tcache)/)
    return "allocator (malloc, free) outside TLS"
  if (chain ~ /stx::(probe|smtp|state|scheduler|tls|dns|config|common)::/)
    return "our code (probe, classifier, transcript, state, scheduler)"
  return "other: event loop (Asio, coroutines), libstdc++, start-up"
}
function flush(    b) {
  if (frames == 0) return
  b = classify(chain, leaf_dso)
  if (b ~ /^kernel outside/) kernel_entry[entry]++
  if (b == kScrape) {
    scrape++
  } else {
    bucket[b]++
    total++
  }
  frames = 0
  chain = ""
  entry = ""
}
BEGIN { kScrape = "scrape" }
/^[^ \t]/ { flush(); next }  # a sample's header line
/^[ \t]*$/ { flush(); next }
{
  # "\t addr symbol (dso)": the symbol may contain spaces and parentheses; the dso is last.
  line = $0
  sub(/^[ \t]*[0-9a-f]+ /, "", line)
  dso = line
  sub(/.*\(/, "", dso)
  sub(/\)$/, "", dso)
  sym = line
  sub(/ \([^()]*\)$/, "", sym)
  if (frames == 0) { leaf_dso = dso; leaf_sym = sym }
  if (entry == "" && dso !~ /kernel/) entry = sym  # where user space entered the kernel
  chain = chain ";" sym
  frames++
}
function print_sorted(counts, min_percent,    n, i, j, v, k, names) {  # largest first
  n = 0
  for (k in counts) names[++n] = k
  for (i = 2; i <= n; i++) {
    v = names[i]
    for (j = i - 1; j >= 1 && counts[names[j]] < counts[v]; j--) names[j + 1] = names[j]
    names[j + 1] = v
  }
  for (i = 1; i <= n; i++) {
    if (100 * counts[names[i]] / total >= min_percent)
      printf "%6.1f %%  %s\n", 100 * counts[names[i]] / total, substr(names[i], 1, 70)
  }
}
END {
  flush()
  # The one scrape that confirms the end of the sweep is not part of it.
  printf "%d samples of the sweep (%d more in the scrape that confirmed its end, left out)\n",
         total, scrape
  print_sorted(bucket, 0)
  print "kernel outside TLS, by the call that entered it:"
  print_sorted(kernel_entry, 0.5)
}
