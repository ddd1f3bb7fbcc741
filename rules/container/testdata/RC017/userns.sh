#!/bin/sh
docker run --userns host myapp:1.4 # want RC017 "shares the host's user namespace"
docker run --userns=host myapp:1.4 # want RC017 "user namespace"
# ok RC017 -- Podman's keep-id mode maps the caller, not host root
podman run --userns keep-id myapp:1.4
