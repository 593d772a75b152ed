#!/usr/bin/env bash
# The browser tests drive Debian's chromium; install it when we may (root + apt).
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed: browser tests will be skipped"
else
  echo "chromium not found and cannot be installed here: browser tests will be skipped"
fi
exit 0
