from digitdemo.cli import main

raise SystemExit(main())
