#!/bin/sh
docker run --ipc host myapp:1.4 # want RC015 "shares the host's IPC namespace"
# ok RC015 -- a shareable namespace for other containers
docker run --ipc shareable myapp:1.4
# ok RC015 -- another container's namespace
docker run --ipc container:db myapp:1.4
