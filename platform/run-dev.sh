#!/usr/bin/env bash
# Bring Accord up on the embedded default: migrate, seed the demo, start web + worker (Ctrl-C stops both).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS=""
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
# honcho hands each process its own $PORT counting up from --port: the web process (first) gets $PORT.
export PORT="${PORT:-8000}"
echo "Accord: http://127.0.0.1:${PORT}/ (Ctrl-C stops web and worker)"
PATH="$PWD/.venv/bin:$PATH" exec .venv/bin/honcho -f platform/Procfile.dev start --port "$PORT"
