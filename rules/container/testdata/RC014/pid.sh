#!/bin/sh
docker run --pid host myapp:1.4 # want RC014 "shares the host's PID namespace"
docker run --pid=host --network host myapp:1.4 # want RC014 "PID"
# ok RC014 -- a sidecar sharing another container's processes
docker run --pid container:app debug-tools:1.0
