"""Generic 3GPP TS 27.007/27.005 modem: the fallback when nothing else matches."""

from __future__ import annotations

from ...profile import BEARER_INTERFACE, BEARER_PPP, Profile, timeouts
from .urcs import URCS

PROFILE = Profile(
    name="generic",
    description="any 3GPP TS 27.007/27.005 modem",
    init_commands=("AT+CGEREP=2,1",),
    reset_urcs=("RDY",),
    cnmi_modes=(2, 1),
    storage_preference=("ME", "SM", "MT"),
    # 27.005's default acknowledgement; phase-2 modems (service 0) need none.
    cnma_command="AT+CNMA",
    bearers=(BEARER_INTERFACE, BEARER_PPP),
    timeouts=timeouts(),
    urcs=URCS,
)
