#!/bin/sh
docker run --cgroup-parent /system.slice myapp:1.4 # want RC033 "places the container under cgroup parent /system.slice"
# ok RC033 -- the default parent
docker run myapp:1.4
# ok RC033 -- from a variable
docker run --cgroup-parent "$PARENT" myapp:1.4
