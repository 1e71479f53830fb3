# Gunicorn's settings for the web container (Dockerfile, docker-compose.yml):
#   gunicorn -c hms/gunicorn.conf.py hms.wsgi:application
# Workers: gunicorn reads WEB_CONCURRENCY itself.

import os

bind = "0.0.0.0:8000"
# A full XLSX export of 100,000 deviations takes 20–30 s.
timeout = 120
accesslog = "-"
errorlog = "-"
# The anonymous reporter's pages are logged without their address and user agent.
logger_class = "hms.access_log.AccessLogger"

# Threads beside the processes: with sync workers a request waits for a whole worker, so 20
# people reporting at once kept the load balancer's health check waiting behind them. With
# 2 processes (bench_scale, 20 reporters) its p95 under load was 64x its idle p95 with 4
# threads, 32x with 8, 14x with 16: what is left is the processes' share of the CPU. 8 by
# default: each thread holds its own database connection (see the README on PgBouncer).
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
