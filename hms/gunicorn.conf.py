# Gunicorn's settings for the web container (Dockerfile, docker-compose.yml):
#   gunicorn -c hms/gunicorn.conf.py hms.wsgi:application
# Workers: gunicorn reads WEB_CONCURRENCY itself.

bind = "0.0.0.0:8000"
# A full XLSX export of 100,000 deviations takes 20–30 s.
timeout = 120
accesslog = "-"
errorlog = "-"
# The anonymous reporter's pages are logged without their address and user agent.
logger_class = "hms.access_log.AccessLogger"
