#!/bin/sh
docker run --device /dev/sda myapp:1.4 # want RC024 "passes host device /dev/sda: raw access"
docker run --device=/dev/nvme0n1p1:/dev/xvda:rwm myapp:1.4 # want RC024 "/dev/nvme0n1p1"
docker run --device /dev/mem myapp:1.4 # want RC024 "/dev/mem"
docker run --device /dev/mapper/vg0-data myapp:1.4 # want RC024 "/dev/mapper/vg0-data"
# ok RC024 -- FUSE and GPUs are not raw disks (RC025)
docker run --device /dev/fuse --device /dev/dri/renderD128 myapp:1.4
# ok RC024 -- a device from a variable
docker run --device "$DISK" myapp:1.4
