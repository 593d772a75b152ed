#!/usr/bin/env bash
# Print the path of a working Python 3.10 (Rasa 3.6 supports 3.8-3.10), or nothing.
for candidate in "${PYTHON_BIN:-}" python3.10 "$HOME"/.pyenv/versions/3.10.*/bin/python \
                 /root/.pyenv/versions/3.10.*/bin/python /usr/bin/python3.10 /usr/local/bin/python3.10; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
exit 0
