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
# people reporting at once kept the load balancer's health check waiting behind them
# (bench_scale: its p95 100x its idle p95). A thread is free for it while others wait on the
# database. WEB_THREADS per worker process; each thread holds its own database connection.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
