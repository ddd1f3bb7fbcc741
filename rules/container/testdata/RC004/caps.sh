#!/bin/sh
# want RC004 "does not drop capabilities"
docker run -d nginx:1.27
# want RC004 "drops some capabilities but not ALL"
docker run --cap-drop NET_RAW --cap-drop MKNOD nginx:1.27
# ok RC004 -- the seed's hardened command drops ALL
docker run --cap-drop ALL --cap-add CHOWN --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp --user 1001:1001 nginx
# ok RC004 -- any spelling of ALL
docker run --cap-drop=all nginx:1.27
# ok RC004 -- the dropped set comes from a variable: it may be ALL
docker run --cap-drop "$DROP" nginx:1.27
# ok RC004 -- options spliced in from $@ may drop ALL: a missing setting is not reported
docker run $@ nginx:1.27
# ok RC004 -- unquoted options may hold --cap-drop ALL
docker run $DOCKER_OPTS nginx:1.27
