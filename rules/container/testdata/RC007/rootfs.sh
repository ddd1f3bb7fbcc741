#!/bin/sh
# want RC007 "root file system is writable"
docker run myapp:1.4
docker run --read-only=false myapp:1.4 # want RC007 "root file system is writable"
# ok RC007 -- the seed's hardened command: read-only with a tmpfs for /tmp
docker run --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp --user 1001:1001 nginx
# ok RC007 -- read-only from a variable is not guessed
docker run --read-only="$RO" myapp:1.4
# ok RC007 -- explicit true
docker run --read-only=true --mount type=tmpfs,destination=/run myapp:1.4
