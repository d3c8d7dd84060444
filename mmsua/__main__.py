from mmsua.cli.main import main

raise SystemExit(main())
