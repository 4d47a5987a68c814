#!/usr/bin/env bash
# `make run`: serve the demo city on 127.0.0.1:8000 with a job worker beside it. With no
# REDIS_URL the worker reads the embedded queue in var/queue (DESIGN.md invariant 9).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}"
PY=.venv/bin/python
mkdir -p var
.venv/bin/celery -A config worker --loglevel=warning --concurrency=1 --pool=solo >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  社区共建理事会工作平台 / Council portal
  地址 Address:  http://127.0.0.1:8000/
  演示账号 Demo logins (password: $($PY -c 'from config.settings import DEMO_PASSWORD; print(DEMO_PASSWORD)')):
$($PY manage.py shell -v0 -c 'from councils.demo import demo_logins
for d in demo_logins(): print(f"    {d.username:<10} {d.role.label}（{d.scope}）")')
  Job worker log: var/worker.log   Stop: Ctrl+C

MSG
$PY manage.py runserver 127.0.0.1:8000 --noreload
