#!/bin/sh
docker run --security-opt systempaths=unconfined myapp:1.4 # want RC012 "unmasks the kernel paths under /proc and /sys \(systempaths=unconfined\)"
podman run --security-opt unmask=ALL myapp:1.4 # want RC012 "unmasks kernel paths.*unmask=ALL"
podman run --security-opt unmask=/proc/sys myapp:1.4 # want RC012 "unmask=/proc/sys"
# ok RC012 -- masking more paths is fine
podman run --security-opt mask=/proc/acpi myapp:1.4
# ok RC012 -- a single kernel setting through --sysctl
docker run --sysctl net.core.somaxconn=1024 myapp:1.4
