#!/bin/sh
# Start the hardened service by hand: the seed's least-privilege flags.
set -e
docker build -t example/hardened-web:1.0.0 .
docker network create web-net
docker run -d --name web \
  --cap-drop ALL --read-only --tmpfs /tmp --user 10001:10001 \
  --security-opt no-new-privileges --memory 256m --memory-swap 256m --cpus 0.5 --pids-limit 100 \
  --network web-net -p 127.0.0.1:8080:8080 \
  example/hardened-web:1.0.0
