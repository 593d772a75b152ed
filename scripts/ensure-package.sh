#!/usr/bin/env bash
# ensure-package.sh COMMAND PACKAGE PURPOSE: install Debian's PACKAGE when COMMAND is
# missing and we may (root + apt); otherwise say what will be skipped. Never fails.
set -u
command_name=$1 package=$2 purpose=$3
if command -v "$command_name" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's $package for $purpose..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null) \
    || echo "$package could not be installed: $purpose will be skipped"
else
  echo "$command_name not found and cannot be installed here: $purpose will be skipped"
fi
exit 0
