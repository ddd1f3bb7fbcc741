#!/bin/sh
docker run --uts host myapp:1.4 # want RC016 "shares the host's UTS namespace"
# ok RC016 -- its own hostname
docker run --hostname app1 myapp:1.4
