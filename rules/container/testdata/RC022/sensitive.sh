#!/bin/sh
docker run -v /etc:/host/etc:ro myapp:1.4 # want RC022 "mounts host path /etc \(read-only\)"
docker run -v /proc:/host/proc:ro prom/node-exporter:v1.8.2 # want RC022 "/proc"
docker run --mount type=bind,source=/sys,target=/host/sys,readonly prom/node-exporter:v1.8.2 # want RC022 "/sys"
# ok RC022 -- RC020 reports the host's root (it holds the Docker socket)
docker run -v /:/rootfs:ro gcr.io/cadvisor/cadvisor:v0.49.1
# ok RC022 -- /etc/passwd is world-readable: read-only is a common way to run as the caller
docker run -v /etc/passwd:/etc/passwd:ro -v /etc/group:/etc/group:ro myapp:1.4
# ok RC022 -- writable is RC021's concern
docker run -v /etc:/host/etc myapp:1.4
# ok RC022 -- the cgroup tree for a monitoring agent is not in the list
docker run -v /sys/fs/cgroup:/sys/fs/cgroup:ro gcr.io/cadvisor/cadvisor:v0.49.1
# ok RC022 -- the kernel modules, read-only
docker run -v /lib/modules:/lib/modules:ro falcosecurity/falco:0.39.1
