"""URCs of modems that have no folder of their own and run on the generic profile.

Telit: SRING and #HTTPRING, #SRECV's counted read (#SRECV: <id>,<n>).
Cinterion/Siemens: ^SYSSTART, and AT^SIND "simstatus" (AC75/MC75/BGS2 AT command sets):
1 inserted, 2 PIN not required, 3 PIN required, 4 personalisation ready, 5 SIM
initialisation completed, the SIM start-up a restart runs (with autobauding these modems
do not print ^SYSSTART, so this is the only sign). 0 (removed) is no boot.
RDY: the restart line of most families.
"""

from __future__ import annotations

import re

from ...at.urcs import UrcTable

URCS = UrcTable(
    always=("SRING:", "#HTTPRING:", "^SYSSTART", "RDY"),
    strong_reset=("RDY", "^SYSSTART"),
    weak_reset_patterns=(re.compile(r'^\+CIEV:\s*"?SIMSTATUS"?\s*,\s*[1-5]\s*$'),),
    binary_length={"#SRECV": 1},
)
