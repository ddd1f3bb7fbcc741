#!/bin/sh
# want RC006 "names no user: it runs as the image's default user, which is root unless the image sets USER"
docker run myapp:1.4
# want RC006 "names no user"
docker run --privileged nginx
# ok RC006 -- the seed's hardened command names a user
docker run --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp --user 1001:1001 nginx
# ok RC006 -- an explicit root user is RC005's concern
docker run --user root myapp:1.4
# ok RC006 -- a user from a variable
docker run --user "$APP_UID" myapp:1.4
# ok RC006 -- hidden options may name a user
docker run $RUN_FLAGS myapp:1.4
# ok RC006 -- an unknown option may be --user in a newer CLI
docker run --some-future-flag=x myapp:1.4
