#!/bin/sh
docker run --security-opt apparmor=unconfined myapp:1.4 # want RC010 "turns AppArmor confinement off \(apparmor=unconfined\)"
docker run --security-opt apparmor:unconfined myapp:1.4 # want RC010 "AppArmor"
# ok RC010 -- a named profile
docker run --security-opt apparmor=docker-default myapp:1.4
# ok RC010 -- no option: the default profile applies
docker run myapp:1.4
