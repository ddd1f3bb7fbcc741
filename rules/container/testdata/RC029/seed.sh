#!/bin/sh
# The seed article's resource-limited command (Practice 2.2), as written there.
# ok RC029 -- CPU, memory, swap and PIDs are all limited
docker run \
  --cpus "1.0" \
  --memory "512m" \
  --memory-swap "512m" \
  --pids-limit 100 \
  myapp:latest
# want RC029 "has no PIDs limit"
docker run --privileged nginx
