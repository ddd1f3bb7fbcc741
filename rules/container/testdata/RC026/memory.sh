#!/bin/sh
docker run --memory 0 myapp:1.4 # want RC026 "has no memory limit"
# ok RC026 -- short flag and units
docker run -m 1g myapp:1.4
# ok RC026 -- attached value
docker run -m512m myapp:1.4
# ok RC026 -- the limit from a variable
docker run --memory "$MEM" myapp:1.4
# ok RC026 -- options spliced in from a variable may set the limit
docker run $LIMITS myapp:1.4
# ok RC026 -- a reservation beside a limit
docker run --memory-reservation 256m --memory 512m myapp:1.4
# want RC026 "has no memory limit"
docker run --memory-reservation 256m myapp:1.4
