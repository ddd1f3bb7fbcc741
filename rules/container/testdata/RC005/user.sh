#!/bin/sh
docker run --user root myapp:1.4 # want RC005 "runs as root \(user \"root\"\)"
docker run -u 0 myapp:1.4 # want RC005 "runs as root \(user \"0\"\)"
docker run --user=0:0 myapp:1.4 # want RC005 "user \"0:0\""
docker run -uroot:wheel myapp:1.4 # want RC005 "root"
# ok RC005 -- the seed's hardened command runs as 1001
docker run --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp --user 1001:1001 nginx
# ok RC005 -- a group of 0 is not the root user
docker run --user 1000:0 myapp:1.4
# ok RC005 -- the caller's own user, unknown here
docker run --user "$(id -u):$(id -g)" myapp:1.4
# ok RC005 -- a user named like root is not root
docker run --user rootless myapp:1.4
# ok RC005 -- no user on a command line: the image's user is unknown (RC006)
docker run myapp:1.4
