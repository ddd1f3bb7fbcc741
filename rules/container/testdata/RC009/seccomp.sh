#!/bin/sh
docker run --security-opt seccomp=unconfined myapp:1.4 # want RC009 "turns seccomp off \(seccomp=unconfined\)"
docker run --security-opt seccomp:unconfined myapp:1.4 # want RC009 "seccomp off"
docker run --security-opt="seccomp=unconfined" --security-opt apparmor=unconfined myapp:1.4 # want RC009 "seccomp"
# ok RC009 -- a custom profile
docker run --security-opt seccomp=/etc/docker/seccomp/app.json myapp:1.4
# ok RC009 -- a profile path from a variable
docker run --security-opt "seccomp=$PROFILE" myapp:1.4
# ok RC009 -- no security option: Docker's default profile applies
docker run myapp:1.4
