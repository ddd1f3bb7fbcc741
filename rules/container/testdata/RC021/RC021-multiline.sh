#!/bin/sh
# want RC021 "/etc read-write"
docker run \
  -v /etc:/host/etc \
  myapp:1.4
docker run \
  -v /usr:/host/usr \
  myapp:1.4 # want RC021 "/usr read-write"
# ok RC021 -- read-only
docker run \
  -v /etc:/host/etc:ro \
  myapp:1.4
