#!/bin/sh
set -eu
# usage: entrypoint.sh HOST PORT
host="$1"; port="$2"
if [ -n "${DB_PASSWORD_FILE:-}" ]; then DB_PASSWORD="$(cat "$DB_PASSWORD_FILE")"; fi
curl -fsS "https://$host:$port/health" -H "Authorization: Bearer $TOKEN"
echo "awk '{print \$2}'"
exec "$@"
