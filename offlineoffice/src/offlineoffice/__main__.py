from offlineoffice.cli import main

raise SystemExit(main())
