#!/bin/sh
docker run --pids-limit -1 myapp:1.4 # want RC029 "has no PIDs limit \(-1 means unlimited\)"
docker run --pids-limit=0 myapp:1.4 # want RC029 "\(0 means unlimited\)"
# ok RC029 -- a limit
docker run --pids-limit=200 myapp:1.4
# ok RC029 -- from a variable
docker run --pids-limit "$PIDS" myapp:1.4
