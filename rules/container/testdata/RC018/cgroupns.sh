#!/bin/sh
docker run --cgroupns host myapp:1.4 # want RC018 "shares the host's cgroup namespace"
# ok RC018 -- a private cgroup namespace
docker run --cgroupns private myapp:1.4
