#!/bin/sh
# The examples of the seed article, "Practice 2: Runtime Security Configuration".

# 2.1 Dangerous: run in privileged mode
docker run --privileged nginx # want RC001 "runs privileged"

# 2.1 Secure: drop all capabilities and add only needed ones
# ok RC001 -- the seed's hardened command
docker run \
  --cap-drop ALL \
  --cap-add CHOWN \
  --cap-add NET_BIND_SERVICE \
  --read-only \
  --tmpfs /tmp \
  --user 1001:1001 \
  nginx

# 2.2 Limit CPU and memory usage
# ok RC001 -- the seed's resource-limited command
docker run \
  --cpus "1.0" \
  --memory "512m" \
  --memory-swap "512m" \
  --pids-limit 100 \
  myapp:latest
