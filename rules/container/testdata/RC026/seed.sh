#!/bin/sh
# The seed article's resource-limited command (Practice 2.2), as written there.
# ok RC026 -- CPU, memory, swap and PIDs are all limited
docker run \
  --cpus "1.0" \
  --memory "512m" \
  --memory-swap "512m" \
  --pids-limit 100 \
  myapp:latest
# want RC026 "has no memory limit: it can use all of the host's memory"
docker run --privileged nginx
