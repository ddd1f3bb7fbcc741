#!/bin/sh
# want RC028 "has no CPU limit: --cpu-shares only weighs CPU time under contention"
docker run --cpu-shares 512 myapp:1.4
docker run --cpus 0 myapp:1.4 # want RC028 "has no CPU limit"
# ok RC028 -- a quota is a limit
docker run --cpu-period 100000 --cpu-quota 50000 myapp:1.4
# ok RC028 -- pinned to two cores
docker run --cpuset-cpus 0,1 myapp:1.4
# ok RC028 -- fractional CPUs
docker run --cpus=.5 myapp:1.4
# ok RC028 -- from a variable
docker run --cpus "$CPUS" myapp:1.4
