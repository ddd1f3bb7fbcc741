#!/bin/sh
docker run --security-opt label=disable myapp:1.4 # want RC011 "turns SELinux labelling off \(label=disable\)"
docker run --security-opt label:disable myapp:1.4 # want RC011 "SELinux labelling off"
podman run --security-opt label=type:spc_t myapp:1.4 # want RC011 "unconfined SELinux type spc_t"
# ok RC011 -- a confined type and a level
docker run --security-opt label=type:svirt_apache_t --security-opt label=level:s0:c100,c200 myapp:1.4
# ok RC011 -- relabelling a volume is the good practice
docker run -v /srv/data:/data:Z myapp:1.4
