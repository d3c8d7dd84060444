"""Process exit statuses shared by every subcommand (one table, one place)."""

OK = 0
FAILURE = 1  # the command ran and what it checked or decoded is bad (e.g. a PduError)
USAGE = 2  # bad arguments, as argparse reports them
UNAVAILABLE = 69  # a service the command needs (daemon, modem, MMSC) is not there (sysexits EX_UNAVAILABLE)
SOFTWARE = 70  # an internal error: a bug to report
IOERR = 74  # a file or port could not be read or written
TEMPFAIL = 75  # try again later (modem busy, network down)
CONFIG = 78  # the configuration is incomplete or wrong
