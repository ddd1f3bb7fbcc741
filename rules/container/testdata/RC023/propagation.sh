#!/bin/sh
docker run -v /mnt/data:/data:rshared myapp:1.4 # want RC023 "mounts /data with rshared propagation"
docker run --mount type=bind,source=/mnt,target=/mnt,bind-propagation=shared myapp:1.4 # want RC023 "shared propagation"
# ok RC023 -- slave propagation only receives host mounts
docker run -v /mnt/data:/data:rslave myapp:1.4
# ok RC023 -- the default is private
docker run -v /mnt/data:/data myapp:1.4
