"""`mmsua config` (or `mmsua config --show`): every setting, its value and where it came from."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua import config

    parser = subparsers.add_parser("config", help="show the settings and where each comes from")
    # Showing is this command's only job, so it needs no flag; --show is kept for scripts that give it.
    parser.add_argument("--show", action="store_true", help="print each setting with its source (the default)")
    parser.add_argument("--imsi", help="preview carrier settings and rules for this IMSI (as the daemon reads it from the SIM)")
    parser.add_argument("--spn", default="", help="with --imsi: the SIM's service provider name")
    parser.add_argument("--gid1", default="", help="with --imsi: the SIM's group identifier (hex)")
    parser.add_argument("--modem", metavar="NAME", help="with [modems.<name>] tables: this modem's settings (default: the first's)")
    parser.add_argument("--json", action="store_true", help="print JSON: {key: {value, source}}")
    config.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from mmsua import config, exit_codes, provisioning
    from mmsua.carriers import apply as carriers
    from mmsua.carriers.rules import RulesError
    from mmsua.textsafe import clean_line

    try:
        loaded = config.from_args(args)
        names = loaded.modem_names()
        settings = loaded.for_modem(args.modem or names[0])
        match = None
        entry = None
        if args.imsi:
            sim = provisioning.SimIdentity(args.imsi, args.spn, args.gid1)
            settings, entry = carriers.apply(settings, sim.imsi, sim.spn, sim.gid1)
            settings, match = provisioning.apply(settings, sim)
    except (config.ConfigError, provisioning.ProvisioningError, RulesError) as error:
        print(f"mmsua config: {error}", file=sys.stderr)
        return exit_codes.CONFIG
    rows = config.show(settings)
    if args.json:
        json.dump({key: {"value": value, "source": source} for key, value, source in rows}, sys.stdout, indent=2)
        print()
    else:
        width = max(len(key) for key, _, _ in rows)
        for key, value, source in rows:
            print(f"{key:<{width}}  {clean_line(value):<40}  ({clean_line(source)})")
        if len(names) > 1:
            shown = args.modem or names[0]
            print(f"\nmodem {shown} of {', '.join(names)} (--modem NAME shows another's)")
    if args.imsi:
        rules = entry.describe() if entry is not None else "no entry for this SIM: Android's defaults apply"
        print(f"\ncarrier rules: {clean_line(rules)}", file=sys.stderr if args.json else sys.stdout)
    if match is not None:
        out = sys.stderr if args.json else sys.stdout
        print(f"\ncarrier: {clean_line(match.reason)}", file=out)
        if match.chosen is None:
            for candidate in match.candidates:
                print(f"  candidate: {clean_line(candidate.describe())}", file=out)
        elif match.chosen.shares_internet_apn:
            print("  MMS uses the internet APN's context", file=out)
    missing = settings.check_ready()
    if missing and not args.json:
        print("\nstill needed before the daemon can move MMS:")
        for item in missing:
            print(f"  {item}")
    return exit_codes.OK
