#!/bin/sh
docker run --cap-add SYS_ADMIN myapp:1.4 # want RC003 "adds capability SYS_ADMIN: it lets the container mount"
docker run --cap-add=cap_sys_ptrace myapp:1.4 # want RC003 "capability SYS_PTRACE"
docker run --cap-add NET_ADMIN --cap-add SYS_MODULE myapp:1.4 # want RC003 "NET_ADMIN" RC003 "SYS_MODULE: it lets the container load modules"
docker run --cap-add dac_read_search myapp:1.4 # want RC003 "DAC_READ_SEARCH.*shocker"
docker run --cap-drop ALL --cap-add BPF --cap-add PERFMON myapp:1.4 # want RC003 "BPF" RC003 "PERFMON"
docker run --cap-add SYS_RAWIO --cap-add SYS_BOOT --cap-add SYS_TIME myapp:1.4 # want RC003 "SYS_RAWIO" RC003 "SYS_BOOT" RC003 "SYS_TIME"
docker run --cap-add MAC_ADMIN --cap-add SYSLOG myapp:1.4 # want RC003 "MAC_ADMIN" RC003 "SYSLOG"
# ok RC003 -- the seed's hardened command: CHOWN and NET_BIND_SERVICE are harmless
docker run --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp --user 1001:1001 nginx
# ok RC003 -- NET_RAW and MKNOD are in Docker's default set: adding them back after dropping ALL narrows the set
docker run --cap-drop ALL --cap-add NET_RAW --cap-add MKNOD myapp:1.4
# ok RC003 -- unknown capability from a variable
docker run --cap-add "${EXTRA_CAP}" myapp:1.4
# ok RC003 -- dropping a dangerous capability is fine
docker run --cap-drop SYS_ADMIN myapp:1.4
# ok RC003 -- ALL is RC002's concern
docker run --cap-add ALL myapp:1.4
