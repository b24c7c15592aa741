#!/bin/sh
# Every alert in the rule file has a runbook_url that resolves to a heading of docs/alerts.md
# (GitHub's anchor for a heading: lower case, spaces to '-', other punctuation dropped) and is
# exercised by a promtool unit test (an `alertname:` line in tests/alerts/*.test.yml).
# Usage: check_rules_docs.sh RULES_FILE DOCS_FILE TESTS_DIR
set -eu
rules=$1 docs=$2 tests=$3
prefix='https://github.com/starttls-exporter/starttls_exporter/blob/main/docs/alerts.md#'
anchors=$(sed -n 's/^#\{1,6\} \{1,\}//p' "$docs" | tr 'A-Z' 'a-z' | sed 's/ /-/g; s/[^a-z0-9_-]//g')
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$rules")
urls=$(sed -n 's/^ *runbook_url: *//p' "$rules")
failed=0
[ -n "$alerts" ] || { echo "no alerts found in $rules" >&2; exit 1; }
[ "$(echo "$alerts" | wc -l)" -eq "$(echo "$urls" | wc -l)" ] || {
  echo "not every alert in $rules has exactly one runbook_url" >&2; failed=1; }
for url in $urls; do
  case $url in
    "$prefix"*) anchor=${url#"$prefix"} ;;
    *) echo "runbook_url outside docs/alerts.md: $url" >&2; failed=1; continue ;;
  esac
  echo "$anchors" | grep -qx -- "$anchor" || { echo "no heading for #$anchor in $docs" >&2; failed=1; }
done
for alert in $alerts; do
  lower=$(echo "$alert" | tr 'A-Z' 'a-z')
  grep -q -- "#$lower\$" "$rules" || { echo "$alert: runbook_url does not point at #$lower" >&2; failed=1; }
  grep -qx -- " *alertname: $alert" "$tests"/*.test.yml || { echo "$alert: no promtool unit test" >&2; failed=1; }
done
[ "$failed" -eq 0 ] && echo "$(echo "$alerts" | wc -l) alerts: runbook headings and unit tests present"
exit "$failed"
