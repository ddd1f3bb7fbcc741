#!/bin/bash
set -eu

# want RC001 "runs privileged"
docker run -d --name dind --privileged docker:27-dind
sudo docker run --rm --privileged=true multiarch/qemu-user-static:7.2.0-1 --reset -p yes # want RC001 "privileged"
podman run --rm --privileged quay.io/podman/stable:v5 podman info # want RC001 "privileged"
docker container create --privileged busybox:1.36 # want RC001 "privileged"
docker -H ssh://build@host run --privileged busybox:1.36 # want RC001 "privileged"

# ok RC001 -- explicitly not privileged
docker run --privileged=false busybox:1.36
# ok RC001 -- the value comes from a variable: never guessed
docker run --privileged="$PRIV" busybox:1.36
# ok RC001 -- an argument of the program in the container, not of docker run
docker run busybox:1.36 sh -c 'echo --privileged'
# ok RC001 -- docker exec is not a container definition
docker exec --privileged web sh
# ok RC001 -- text mentioning the flag
echo "never use docker run --privileged"
