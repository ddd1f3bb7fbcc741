#!/bin/sh
# The seed's hardened command, written over several lines as in the article.
# ok RC004 -- it drops ALL
docker run \
  --cap-drop ALL \
  --cap-add CHOWN \
  --cap-add NET_BIND_SERVICE \
  --read-only \
  --tmpfs /tmp \
  --user 1001:1001 \
  nginx
# want RC004 "does not drop capabilities"
docker run --privileged nginx
