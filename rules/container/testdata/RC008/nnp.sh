#!/bin/sh
# want RC008 "does not set no-new-privileges"
docker run --user 1001 myapp:1.4
docker run --security-opt no-new-privileges=false myapp:1.4 # want RC008 "turns no-new-privileges off \(no-new-privileges=false\)"
# want RC008 "does not set no-new-privileges"
docker run --security-opt seccomp=profile.json myapp:1.4
# ok RC008 -- the bare option
docker run --security-opt no-new-privileges myapp:1.4
# ok RC008 -- the Compose spelling, also accepted by the CLI
docker run --security-opt no-new-privileges:true myapp:1.4
# ok RC008 -- with =
docker run --security-opt=no-new-privileges=true myapp:1.4
# ok RC008 -- an option from a variable may be no-new-privileges
docker run --security-opt "$SECOPT" myapp:1.4
