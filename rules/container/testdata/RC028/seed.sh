#!/bin/sh
# The seed article's resource-limited command (Practice 2.2), as written there.
# ok RC028 -- CPU, memory, swap and PIDs are all limited
docker run \
  --cpus "1.0" \
  --memory "512m" \
  --memory-swap "512m" \
  --pids-limit 100 \
  myapp:latest
# want RC028 "has no CPU limit"
docker run --privileged nginx
