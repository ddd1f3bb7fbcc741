#!/bin/sh
docker run --device /dev/fuse myapp:1.4 # want RC025 "passes host device /dev/fuse into the container"
docker run --device /dev/ttyUSB0:/dev/ttyUSB0:r myapp:1.4 # want RC025 "/dev/ttyUSB0"
# ok RC025 -- raw disks are RC024's concern
docker run --device /dev/sdb myapp:1.4
# ok RC025 -- no device
docker run myapp:1.4
